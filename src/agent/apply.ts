/**
 * Executes a plan: stage by stage in dependency order, actions of a stage with bounded
 * concurrency, each runtime call retried on transient errors. A failed action blocks only
 * its dependents; unrelated services still converge. Once the runtime is unreachable the
 * rest of the pass is skipped rather than retried action by action. With a health gate, an
 * action may first wait (a dependency not healthy yet, a back-off), or become a stop (a crash
 * loop) or a restart (an instance that turned unhealthy).
 *
 * The inventory follows a claim / confirm protocol, so a crash at any point leaves it true:
 * a name is claimed (and its route ports allocated) and flushed before its create, confirmed
 * with the new hash once the create succeeded, and the claim dropped when the create failed.
 */
import type { ActivityPhase } from '../domain/activity.js';
import { asMcpError, McpError } from '../domain/errors.js';
import { blockerOf } from '../domain/graph.js';
import { type InventoryEntry, inventoryEntry } from '../domain/observed.js';
import { byName } from '../domain/order.js';
import {
  type ActionResult,
  type ChangeSet,
  countOutcomes,
  doneOutcome,
  type Outcome,
} from '../domain/outcome.js';
import type { Action, Plan } from '../domain/plan-types.js';
import type { ComponentSpec } from '../domain/spec.js';
import type { Logger } from '../log.js';
import type { InstanceRuntime, SecretDelivery } from '../ports/instance-runtime.js';
import type { PortProbe } from '../ports/port-probe.js';
import type { StateStore } from '../ports/state-store.js';
import type { GateDecision } from './health/index.js';
import { forEachLimited, type RetryPolicy, withRetry } from './retry.js';
import { RoutePorts } from './route-ports.js';
import type { SecretKeeper } from './secrets/index.js';

export interface ApplyDeps {
  /** One runtime per kind; a kind without one is skipped with a reason. */
  runtimes: { container?: InstanceRuntime; unikernel?: InstanceRuntime };
  store: StateStore;
  log: Logger;
  /** Health's say over an action before it runs (dependencies healthy, crash-loop back-off); none: no say. */
  gate?: (action: Action) => GateDecision | undefined;
  /** Tries the bind of each route port before it is used; without one, allocation trusts the registry. */
  ports?: PortProbe;
  /**
   * Told as each runtime call on an instance begins (its phase) and when the action ends,
   * failed or not (undefined): what `GET /v1/services` shows while a pass works.
   */
  progress?: (name: string, phase: ActivityPhase | undefined) => void;
  /**
   * The admission policy once more, on the paths of one component, right before its create:
   * a volume source swapped for a link since the revision was admitted is caught here. Each
   * violation, as one line; none: allowed.
   */
  admitCreate?: (spec: ComponentSpec) => Promise<string[]>;
  /**
   * Decrypts a component's secrets for its create (and writes its file secrets again before a
   * start), and removes the files of an instance that goes; without it nothing has secrets.
   */
  secrets?: SecretKeeper;
}

export interface ApplyOptions {
  concurrency: number;
  retry: RetryPolicy;
  stopTimeoutSeconds: number;
  /** Repair drift; off: drift is only reported. */
  heal: boolean;
  /** Remove instances of services no longer defined; off: only reported. */
  prune: boolean;
  /** Allow a plan that removes most of the node's services. */
  override: boolean;
}

/**
 * Applies `plan` as planned: its actions carry their specs and dependencies, and it says
 * whether removals are held; nothing of the desired state is derived again here.
 */
export const applyPlan = async (plan: Plan, deps: ApplyDeps, opts: ApplyOptions): Promise<ChangeSet> => {
  const broken = new Set<string>();
  const waiting = new Set<string>();
  const results: ActionResult[] = [];
  const actions = plan.stages.flat();
  const steps = new Steps(deps, opts, {
    node: plan.node,
    revision: plan.revision,
    inventory: inventoryByName(deps.store.inventory()),
    desired: actions.flatMap((a) => (a.spec ? [a.spec] : [])),
    holdRemovals: plan.holdRemovals,
  });

  const settle = (action: Action, result: ActionResult, gate?: GateDecision, blocker?: string) => {
    if (result.outcome === 'failed' || result.outcome === 'conflict' || blocker || gate)
      broken.add(action.name);
    if ((gate?.kind === 'skip' && gate.waiting) || (blocker && waiting.has(blocker)))
      waiting.add(action.name);
    results.push(result);
  };

  for (const stage of plan.stages) {
    steps.claim(stage);
    await deps.store.flush();
    // What needs no runtime call (most of a steady-state pass) is settled at once; the rest runs
    // with bounded concurrency. Nothing in a stage waits for another action of the same stage.
    const calls: { action: Action; gate?: GateDecision }[] = [];
    for (const action of stage) {
      // A suspension holds an action whatever blocks it: the result says it is held.
      const asked = deps.gate?.(action);
      const blocker = asked?.kind === 'skip' && asked.held ? undefined : blockerOf(action.dependsOn, broken);
      const gate = blocker ? undefined : asked;
      const result = blocker
        ? skipped(
            action,
            waiting.has(blocker) ? `waiting for ${blocker}` : `blocked: ${blocker} did not converge`,
            waiting.has(blocker),
          )
        : gate?.kind === 'skip'
          ? skipped(action, gate.reason, gate.waiting, gate.held)
          : gate
            ? undefined
            : steps.settled(action);
      if (result) settle(action, result, gate, blocker);
      else calls.push({ action, gate });
    }
    await forEachLimited(calls, opts.concurrency, async ({ action, gate }) => {
      const result =
        gate?.kind === 'stop'
          ? await steps.run({ ...action, kind: 'stop', reason: gate.reason })
          : gate?.kind === 'restart'
            ? await restart(steps, action, gate.reason)
            : await steps.run(action);
      settle(action, result, gate);
    });
    await deps.store.flush();
  }
  results.sort(byName);
  return { results, counts: countOutcomes(results.map((r) => r.outcome)) };
};

const inventoryByName = (entries: readonly InventoryEntry[]): Map<string, InventoryEntry> => {
  const map = new Map<string, InventoryEntry>();
  for (const e of entries) map.set(e.name, e);
  return map;
};

/** Stops and starts an instance that turned unhealthy; the start's outcome, or the stop's failure. */
const restart = async (steps: Steps, action: Action, reason: string): Promise<ActionResult> => {
  const stopped = await steps.run({ ...action, kind: 'stop', reason });
  if (stopped.outcome !== 'stopped') return stopped;
  return steps.run({ ...action, kind: 'start', reason });
};

/** The result of `action`: what it was, and how it ended. */
const resultOf = (action: Action, outcome: Outcome, durationMs: number): ActionResult => ({
  name: action.name,
  service: action.service,
  action: action.kind,
  reason: action.reason,
  drift: action.drift ?? false,
  outcome,
  durationMs,
});

const skipped = (action: Action, reason: string, waiting: boolean, held?: boolean): ActionResult => ({
  ...resultOf(action, 'skipped', 0),
  reason,
  ...(waiting && { waiting: true as const }),
  ...(held && { held: true as const }),
});

interface PassState {
  node: string;
  revision?: string;
  inventory: Map<string, InventoryEntry>;
  /** The specs of this node's active components: route ports keep clear of their static host ports. */
  desired: readonly ComponentSpec[];
  holdRemovals: boolean;
}

/** The runtime calls behind each action kind, sharing per-pass state (networks ensured once, breaker). */
class Steps {
  private readonly networks = new Map<string, Promise<void>>();
  private readonly ports: RoutePorts;
  /** Set once the runtime proved unreachable: the rest of the pass is skipped, not retried. */
  private unreachable?: string;

  constructor(
    private readonly deps: ApplyDeps,
    private readonly opts: ApplyOptions,
    private readonly pass: PassState,
  ) {
    this.ports = new RoutePorts(deps.store, pass.desired, deps.ports);
  }

  /** Claims the names a stage will create and allocates their route ports, before anything runs. */
  claim(stage: readonly Action[]): void {
    const claims: InventoryEntry[] = [];
    for (const action of stage) {
      if ((action.kind !== 'create' && action.kind !== 'recreate') || !action.spec || this.policySkip(action))
        continue;
      if (!this.pass.inventory.has(action.name)) claims.push(inventoryEntry(action.spec, action.hash!, true));
      this.ports.allocate(action.name, action.spec);
    }
    for (const c of claims) this.pass.inventory.set(c.name, c);
    this.deps.store.recordInstances(claims);
  }

  /**
   * The result of an action that needs no runtime call (held by policy, unchanged, a conflict,
   * an adoption), its bookkeeping done; undefined for one that needs a call.
   */
  settled(action: Action): ActionResult | undefined {
    const policy = this.policySkip(action);
    if (policy) return skipped(action, policy, false);
    if (action.kind !== 'unchanged' && action.kind !== 'conflict' && action.kind !== 'adopt')
      return undefined;
    if (action.kind === 'unchanged') this.confirmUnchanged(action);
    if (action.kind === 'adopt')
      this.confirm({ ...inventoryEntry(action.spec!, action.hash!), adoptedId: action.id });
    return resultOf(action, doneOutcome[action.kind], 0);
  }

  async run(action: Action): Promise<ActionResult> {
    const now = this.settled(action);
    if (now) return now;
    if (this.unreachable) return skipped(action, `runtime unreachable: ${this.unreachable}`, false);
    const kind = action.spec?.kind ?? this.pass.inventory.get(action.name)?.kind ?? 'container';
    const runtime = this.deps.runtimes[kind];
    if (!runtime) return skipped(action, `no ${kind} runtime on this node`, false);
    const started = performance.now();
    try {
      await this.execute(action, runtime);
      return resultOf(action, doneOutcome[action.kind], performance.now() - started);
    } catch (err) {
      const error = asMcpError(err);
      const missing = error.code === 'NOT_FOUND' ? this.asMissing(action) : undefined;
      if (missing) return this.run(missing);
      if (error.code === 'RUNTIME_UNAVAILABLE') this.unreachable ??= error.message;
      if (this.pass.inventory.get(action.name)?.claimed) this.forget(action.name);
      return {
        ...resultOf(action, 'failed', performance.now() - started),
        error: { code: error.code, message: error.message },
      };
    } finally {
      this.phase(action.name, undefined);
    }
  }

  /**
   * The create that replaces an action on an instance that vanished between the observation
   * and the action (removed by hand meanwhile): what the planner would have said had it seen
   * the instance missing. Undefined when the action was not about a desired, observed instance.
   */
  private asMissing(action: Action): Action | undefined {
    if (action.kind !== 'start' || !action.id || !action.spec) return undefined;
    const { id: _gone, ...rest } = action;
    return { ...rest, kind: 'create', reason: 'removed outside MCP', drift: true };
  }

  private policySkip(action: Action): string | undefined {
    if (action.kind === 'remove' && !this.opts.prune) return 'prune disabled: orphan reported only';
    if (action.kind === 'remove' && this.pass.holdRemovals)
      return 'needs override: plan removes most services';
    if (action.drift && !this.opts.heal && action.kind !== 'unchanged')
      return 'heal disabled: drift reported only';
    return undefined;
  }

  private async execute(action: Action, runtime: InstanceRuntime): Promise<void> {
    const call = <T>(op: () => Promise<T>) => withRetry(op, this.opts.retry);
    const name = action.name;
    switch (action.kind) {
      case 'create':
      case 'recreate': {
        const spec = action.spec!;
        await this.image(runtime, spec, name);
        if (spec.network) await this.network(runtime, spec.network);
        // Before the old instance goes: a refused create leaves what runs running.
        const refused = (await this.deps.admitCreate?.(spec)) ?? [];
        if (refused.length > 0)
          throw new McpError('POLICY_VIOLATION', `not created: ${refused.join('; ')}`, {
            violations: refused,
          });
        const secrets = await this.deps.secrets?.deliver(spec, action.hash!);
        if (action.id) {
          this.phase(name, 'removing');
          await call(() => runtime.remove(action.id!));
        }
        return this.createAndStart(action, spec, runtime, true, secrets);
      }
      case 'start':
        this.phase(name, 'starting');
        // Its file secrets again, should the tmpfs have lost them (a reboot).
        if (action.spec && action.hash) await this.deps.secrets?.restore(action.spec, action.hash);
        return call(() => runtime.start(action.id!));
      case 'stop':
        this.phase(name, 'stopping');
        return call(() => runtime.stop(action.id!, this.opts.stopTimeoutSeconds));
      case 'remove':
        this.phase(name, 'removing');
        await call(() => runtime.remove(action.id!));
        this.forget(action.name);
        await this.deps.secrets?.prune(action.name);
        return;
    }
  }

  /**
   * The image of a create: pulled when missing; with `pull = "always"` pulled every time, and
   * when the registry cannot be asked the local image serves (a warning), so a registry outage
   * never keeps a component from coming back.
   */
  private async image(runtime: InstanceRuntime, spec: ComponentSpec, name: string): Promise<void> {
    const call = <T>(op: () => Promise<T>) => withRetry(op, this.opts.retry);
    const pulling = () => this.phase(name, 'pulling');
    if (spec.pull === 'always' && runtime.pullImage) {
      try {
        pulling();
        await call(() => runtime.pullImage!(spec.image, 'always'));
        return;
      } catch (err) {
        const error = asMcpError(err);
        if (error.code !== 'IMAGE_UNAVAILABLE') throw err;
        this.deps.log.warn('pull failed; creating from the local image', {
          instance: name,
          image: spec.image,
          error: error.message,
          reason: error.data?.reason,
        });
      }
    }
    await call(() => runtime.ensureImage(spec.image, pulling));
  }

  /**
   * Creates and starts the instance. A start refused because another process took one of
   * its route ports meanwhile moves that route and tries once more, in this pass.
   */
  private async createAndStart(
    action: Action,
    spec: ComponentSpec,
    runtime: InstanceRuntime,
    mayMove: boolean,
    secrets?: SecretDelivery,
  ): Promise<void> {
    const call = <T>(op: () => Promise<T>) => withRetry(op, this.opts.retry);
    const routePorts = await this.ports.free(action.name, spec);
    this.phase(action.name, 'creating');
    const id = await call(() =>
      runtime.create({
        spec,
        hash: action.hash!,
        revision: action.revision ?? this.pass.revision,
        routePorts,
        node: this.pass.node,
        ...(secrets && { secrets }),
      }),
    );
    this.confirm(inventoryEntry(spec, action.hash!));
    this.phase(action.name, 'starting');
    try {
      await call(() => runtime.start(id));
    } catch (err) {
      const route = mayMove ? this.ports.holding(asMcpError(err), routePorts) : undefined;
      if (!route) throw err;
      this.deps.log.warn('route port taken before start; moving the route', {
        instance: action.name,
        route,
        port: routePorts[route],
      });
      this.phase(action.name, 'removing');
      await call(() => runtime.remove(id));
      this.ports.move(action.name, spec, [route], routePorts);
      await this.createAndStart(action, spec, runtime, false, secrets);
    }
  }

  /**
   * An up-to-date instance of an active service (its hash label equals the desired hash) that
   * the inventory does not know by that hash: a crash came between its create and the
   * confirmation. The inventory learns what runs.
   */
  private confirmUnchanged(action: Action): void {
    const { spec, hash } = action;
    if (!action.id || !spec || !hash) return;
    const entry = this.pass.inventory.get(action.name);
    if (entry && !entry.claimed && entry.specHash === hash) return;
    this.confirm(inventoryEntry(spec, hash));
  }

  private confirm(entry: InventoryEntry): void {
    this.pass.inventory.set(entry.name, entry);
    this.deps.store.recordInstances([entry]);
  }

  private forget(name: string): void {
    this.pass.inventory.delete(name);
    this.deps.store.forgetInstance(name);
  }

  private phase(name: string, phase: ActivityPhase | undefined): void {
    this.deps.progress?.(name, phase);
  }

  private network(runtime: InstanceRuntime, name: string): Promise<void> {
    let ensured = this.networks.get(name);
    if (!ensured) {
      ensured = withRetry(() => runtime.ensureNetwork(name), this.opts.retry);
      this.networks.set(name, ensured);
    }
    return ensured;
  }
}
