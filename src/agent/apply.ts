/**
 * Executes a plan: stage by stage in dependency order, actions of a stage with bounded
 * concurrency, each runtime call retried on transient errors. A failed action blocks only
 * its dependents; unrelated services still converge.
 */
import { asMcpError } from '../domain/errors.js';
import type { Action, Plan } from '../domain/plan-types.js';
import type { ServiceSpec } from '../domain/spec.js';
import type { Logger } from '../log.js';
import type { ContainerRuntime } from '../ports/container-runtime.js';
import type { StateStore } from '../ports/state-store.js';
import { instanceDependencies } from './dependencies.js';
import { type ActionResult, type ChangeSet, countOutcomes, doneOutcome } from './outcome.js';
import { forEachLimited, type RetryPolicy, withRetry } from './retry.js';

export interface ApplyDeps {
  /** One runtime per kind; a kind without one is skipped with a reason. */
  runtimes: { container?: ContainerRuntime; unikernel?: ContainerRuntime };
  store: StateStore;
  log: Logger;
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

export const applyPlan = async (
  plan: Plan,
  services: readonly ServiceSpec[],
  deps: ApplyDeps,
  opts: ApplyOptions,
): Promise<ChangeSet> => {
  const dependsOn = instanceDependencies(services, plan.node);
  const broken = new Set<string>();
  const results: ActionResult[] = [];
  const kinds = new Map(deps.store.inventory().map((e) => [e.name, e.kind]));
  const steps = new Steps(deps, opts, {
    revision: plan.revision,
    kinds,
    holdRemovals: plan.needsOverride && !opts.override,
  });

  for (const stage of plan.stages) {
    deps.store.recordInstances(
      stage
        .filter((a) => a.spec && a.hash && (a.kind === 'create' || a.kind === 'recreate'))
        .map((a) => ({
          name: a.name,
          service: a.service,
          component: a.component,
          kind: a.spec!.kind,
          specHash: a.hash!,
          spec: a.spec,
        })),
    );
    await deps.store.flush();
    await forEachLimited(stage, opts.concurrency, async (action) => {
      const blocker = (dependsOn.get(action.name) ?? []).find((d) => broken.has(d));
      const result = blocker
        ? skipped(action, `blocked: ${blocker} did not converge`)
        : await steps.run(action);
      if (result.outcome === 'failed' || result.outcome === 'conflict' || blocker) broken.add(action.name);
      results.push(result);
    });
    await deps.store.flush();
  }
  results.sort((a, b) => a.name.localeCompare(b.name));
  return { results, counts: countOutcomes(results) };
};

const skipped = (action: Action, reason: string): ActionResult => ({
  name: action.name,
  service: action.service,
  action: action.kind,
  outcome: 'skipped',
  reason,
  drift: action.drift ?? false,
  durationMs: 0,
});

/** The runtime calls behind each action kind, sharing per-pass memos (networks ensured once). */
class Steps {
  private readonly networks = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: ApplyDeps,
    private readonly opts: ApplyOptions,
    private readonly pass: {
      revision?: string;
      kinds: Map<string, 'container' | 'unikernel'>;
      holdRemovals: boolean;
    },
  ) {}

  async run(action: Action): Promise<ActionResult> {
    const policy = this.policySkip(action);
    if (policy) return skipped(action, policy);
    const base = {
      name: action.name,
      service: action.service,
      action: action.kind,
      reason: action.reason,
      drift: action.drift ?? false,
    };
    if (action.kind === 'unchanged' || action.kind === 'conflict') {
      return { ...base, outcome: doneOutcome[action.kind], durationMs: 0 };
    }
    const kind = action.spec?.kind ?? this.pass.kinds.get(action.name) ?? 'container';
    const runtime = this.deps.runtimes[kind];
    if (!runtime) return skipped(action, `no ${kind} runtime on this node`);
    const started = performance.now();
    try {
      await this.execute(action, runtime);
      return { ...base, outcome: doneOutcome[action.kind], durationMs: performance.now() - started };
    } catch (err) {
      const error = asMcpError(err);
      return {
        ...base,
        outcome: 'failed',
        durationMs: performance.now() - started,
        error: { code: error.code, message: error.message },
      };
    }
  }

  private policySkip(action: Action): string | undefined {
    if (action.kind === 'remove' && !this.opts.prune) return 'prune disabled: orphan reported only';
    if (action.kind === 'remove' && this.pass.holdRemovals)
      return 'needs override: plan removes most services';
    if (action.drift && !this.opts.heal && action.kind !== 'unchanged')
      return 'heal disabled: drift reported only';
    return undefined;
  }

  private async execute(action: Action, runtime: ContainerRuntime): Promise<void> {
    const call = <T>(op: () => Promise<T>) => withRetry(op, this.opts.retry);
    switch (action.kind) {
      case 'create':
      case 'recreate': {
        const spec = action.spec!;
        await call(() => runtime.ensureImage(spec.image));
        if (spec.network) await this.network(runtime, spec.network);
        if (action.id) await call(() => runtime.remove(action.id!));
        const routePorts = this.deps.store.routePorts(
          action.name,
          spec.routes.map((r) => r.name),
        );
        const id = await call(() =>
          runtime.create({ spec, hash: action.hash!, revision: this.pass.revision, routePorts }),
        );
        await call(() => runtime.start(id));
        return;
      }
      case 'start':
        return call(() => runtime.start(action.id!));
      case 'stop':
        return call(() => runtime.stop(action.id!, this.opts.stopTimeoutSeconds));
      case 'remove':
        await call(() => runtime.remove(action.id!));
        this.deps.store.forgetInstance(action.name);
        return;
    }
  }

  private network(runtime: ContainerRuntime, name: string): Promise<void> {
    let ensured = this.networks.get(name);
    if (!ensured) {
      ensured = withRetry(() => runtime.ensureNetwork(name), this.opts.retry);
      this.networks.set(name, ensured);
    }
    return ensured;
  }
}
