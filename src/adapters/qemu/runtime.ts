/**
 * Unikernel VMs under QEMU, behind the same InstanceRuntime port as podman's containers:
 * the runtime's bookkeeping and events here, the records on disk in records.ts, the QEMU
 * process's supervision in process.ts.
 *
 * Each VM has a directory `<dir>/<instance>/` holding `vm.json` (labels, image id, the QEMU
 * command line), `qemu.pid`, `qmp.sock`, `console.log` and `qemu.log`. QEMU runs detached
 * from the agent, so a restarted agent finds its VMs still running (by pid file, checked
 * against the process's command line) and re-attaches instead of starting duplicates.
 * Observation reads that directory state, never QMP; QMP is used only to stop a VM.
 * The accelerator is decided once, when the first VM is about to be created (accel.ts), from the
 * cache of this host boot where there is one (accel-cache.ts); a VM counts as running only once
 * its guest has written to its console, within the boot deadline (boot.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccelStatus } from '../../domain/accel.js';
import { McpError } from '../../domain/errors.js';
import { managedLabels } from '../../domain/instance.js';
import {
  type InstanceState,
  LABEL,
  type Observed,
  type ObservedInstance,
  type RunningConfig,
} from '../../domain/observed.js';
import { instanceName } from '../../domain/spec.js';
import type { CreateRequest, InstanceRuntime, RuntimeEvent } from '../../ports/instance-runtime.js';
import {
  type Accel,
  type AccelChoice,
  type AccelSetting,
  chooseAccel,
  configuredChoice,
  type probeGuestRuns,
  sweepProbeDirs,
} from './accel.js';
import { accelCache } from './accel-cache.js';
import { awaitSignOfLife, hasSignOfLife } from './boot.js';
import {
  addressesFile,
  allocateAddress,
  type BridgeConfig,
  type BridgePort,
  bridgeExists,
  ensureTap,
  removeTap,
  tapName,
} from './bridge.js';
import { bootImage } from './image.js';
import { isAlive, shutdownQemu, sleep } from './process.js';
import { qmp } from './qmp.js';
import { hasRun, qemuPidOf, readRecords, type VmRecord, writeRecord } from './records.js';
import { vmArgs } from './vm-args.js';

export interface QemuRuntimeOptions {
  /** Where the VM directories live, e.g. `<state_dir>/vms`. */
  dir: string;
  /** The QEMU binary (default qemu-system-x86_64). */
  qemu?: string;
  /** How often running VMs are checked for an exit they did not announce (default 1000 ms). */
  pollIntervalMs?: number;
  /** How long a started QEMU has to answer on its QMP socket (default 15 s). */
  startTimeoutMs?: number;
  /** The isolated bridge; used for VMs created while it exists, else user-mode networking. */
  bridge?: BridgeConfig;
  /** `[qemu] accel`: a fixed accelerator, or `auto` (the default): probe KVM before the first VM. */
  accel?: AccelSetting;
  /** How long the KVM probe guest has to show it runs (default 5 s). */
  probeTimeoutMs?: number;
  /** The KVM device the probe checks first (default /dev/kvm). */
  kvmDevice?: string;
  /** Where the decision of `auto` is cached for the host boot (default `<dir>/accel.json`). */
  accelCacheFile?: string;
  /** The file holding the kernel's boot id, the cache's key (tests point it elsewhere). */
  bootIdFile?: string;
  /** The KVM probe (tests count its runs); default: boot the probe guest. */
  probe?: typeof probeGuestRuns;
  /** Aborts a running probe when the agent stops: the VM waiting for it is then not created. */
  signal?: AbortSignal;
  /** Told of the decision once it is made (for the log). */
  onDecided?: (choice: AccelChoice) => void;
  /** How long a guest has to write to its console before its start fails (default 60 s). */
  bootTimeoutMs?: number;
}

export class QemuRuntime implements InstanceRuntime {
  private readonly vms = new Map<string, VmRecord>();
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  /** Ids last seen running, to tell the agent when one stops on its own. */
  private readonly running = new Set<string>();
  private readonly children = new Map<string, ChildProcess>();
  private readonly timer: NodeJS.Timeout;
  private readonly qemu: string;
  /** The accelerator decision, made by the first VM create; later creates wait for the same one. */
  private decision?: Promise<AccelChoice>;
  private chosen?: AccelChoice;
  /** QEMU pids of VMs waiting for their guest's first sign of life: killed if the runtime closes. */
  private readonly booting = new Map<string, number>();
  /** Cancels a start-up probe still running when the runtime closes. */
  private readonly closing = new AbortController();

  private constructor(private readonly opts: QemuRuntimeOptions) {
    this.qemu = opts.qemu ?? 'qemu-system-x86_64';
    const setting = opts.accel ?? 'auto';
    if (setting !== 'auto') this.chosen = configuredChoice(setting);
    if (opts.signal?.aborted) this.closing.abort();
    opts.signal?.addEventListener('abort', () => this.closing.abort(), { once: true });
    this.timer = setInterval(() => this.poll(), opts.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Opens the VM directory and re-attaches to every VM recorded there. */
  static async open(opts: QemuRuntimeOptions): Promise<QemuRuntime> {
    await sweepProbeDirs();
    const rt = new QemuRuntime(opts);
    await rt.resync();
    return rt;
  }

  /** Address allocations run one at a time: creates run concurrently within a stage. */
  private allocating: Promise<unknown> = Promise.resolve();
  private allocate(name: string, bridge: BridgeConfig): Promise<string> {
    const next = this.allocating.then(() => allocateAddress(addressesFile(this.opts.dir), name, bridge));
    this.allocating = next.catch(() => undefined);
    return next;
  }

  /**
   * The accelerator VMs are created with and why. Makes the decision when none is made yet
   * (from the cache, else by probing): called when a VM is about to be created, not before.
   */
  accelerator(): Promise<AccelChoice> {
    if (this.chosen) return Promise.resolve(this.chosen);
    this.decision ??= chooseAccel({
      setting: this.opts.accel ?? 'auto',
      qemu: this.qemu,
      timeoutMs: this.opts.probeTimeoutMs ?? 5000,
      kvmDevice: this.opts.kvmDevice,
      signal: this.closing.signal,
      cache: accelCache({
        file: this.opts.accelCacheFile ?? join(this.opts.dir, 'accel.json'),
        qemu: this.qemu,
        bootIdFile: this.opts.bootIdFile,
      }),
      probe: this.opts.probe,
    }).then((choice) => {
      if (this.closing.signal.aborted) return choice;
      this.chosen = choice;
      this.opts.onDecided?.(choice);
      return choice;
    });
    return this.decision;
  }

  /** For status: the decision, the probe running now, or why there is none yet. */
  acceleratorNow(): AccelStatus {
    if (this.chosen) return this.chosen;
    if (this.decision) return { probing: true };
    const reason = 'not probed: no VM created since the agent started';
    // VMs re-attached from before: what their command lines say, so a reader is not left guessing.
    const earlier = [...new Set([...this.vms.values()].map((rec) => rec.accel ?? 'unknown'))];
    return {
      undecided: true,
      reason: earlier.length ? `${reason}; VMs started before: ${earlier.join(', ')}` : reason,
    };
  }

  /** The accelerator in the command line of the VM named `name` (its record's), when known. */
  accelOf(name: string): Accel | undefined {
    for (const rec of this.vms.values()) if (rec.name === name) return rec.accel;
    return undefined;
  }

  private dirOf(name: string): string {
    return join(this.opts.dir, name);
  }

  /** The QEMU pid of a VM when that process is alive and really is this VM's QEMU. */
  private pidOf(rec: VmRecord): number | undefined {
    return qemuPidOf(this.dirOf(rec.name));
  }

  /**
   * Running only once the guest has written to its console: a silent QEMU is merely created,
   * and so is one this runtime started that has not written its pid file yet.
   */
  private stateOf(rec: VmRecord): InstanceState {
    if (this.pidOf(rec) !== undefined) return this.consoleHasOutput(rec) ? 'running' : 'created';
    const child = this.children.get(rec.id);
    if (
      child?.pid !== undefined &&
      child.exitCode === null &&
      child.signalCode === null &&
      isAlive(child.pid)
    )
      return 'created';
    return child || hasRun(this.dirOf(rec.name)) ? 'exited' : 'created';
  }

  private consoleHasOutput(rec: VmRecord): boolean {
    try {
      return statSync(this.consoleOf(rec)).size > 0;
    } catch {
      return false;
    }
  }

  private consoleOf(rec: VmRecord): string {
    return join(this.dirOf(rec.name), 'console.log');
  }

  /** `own`: the event follows this runtime's own stop or remove, not the VM's doing. */
  private emit(type: RuntimeEvent['type'], rec: VmRecord, own = false): void {
    const node = rec.labels[LABEL.node];
    const hash = rec.labels[LABEL.specHash];
    const event = {
      type,
      name: rec.name,
      id: rec.id,
      managed: true,
      own,
      ...(node ? { node } : {}),
      ...(hash ? { hash } : {}),
    };
    for (const l of this.listeners) l(event);
  }

  private poll(): void {
    for (const id of this.running) {
      const rec = this.vms.get(id);
      if (rec && this.pidOf(rec) !== undefined) continue;
      this.running.delete(id);
      if (rec) this.emit('die', rec);
    }
  }

  private mustGet(id: string): VmRecord {
    const rec = this.vms.get(id);
    if (!rec) throw new McpError('NOT_FOUND', `no VM with id ${id}`, { id });
    return rec;
  }

  async observe(_names: readonly string[], imageRefs: readonly string[]): Promise<Observed> {
    const instances: ObservedInstance[] = [...this.vms.values()].map((rec) => ({
      id: rec.id,
      name: rec.name,
      kind: 'unikernel',
      state: this.stateOf(rec),
      image: rec.image,
      imageId: rec.imageId,
      labels: { ...rec.labels },
      ...(rec.port?.address ? { address: rec.port.address.split('/')[0] } : {}),
    }));
    const images: Record<string, string> = {};
    for (const ref of imageRefs) {
      const image = await bootImage(ref).catch(() => undefined);
      if (image) images[ref] = image.id;
    }
    return { instances, images };
  }

  async resync(): Promise<void> {
    const records = await readRecords(this.opts.dir);
    this.vms.clear();
    for (const rec of records) {
      this.vms.set(rec.id, rec);
      if (this.pidOf(rec) !== undefined) this.running.add(rec.id);
    }
  }

  /** A VM's image is a local file: nothing is ever pulled, so there is no `onPull` to tell. */
  async ensureImage(ref: string): Promise<string> {
    return (await bootImage(ref)).id;
  }

  async ensureNetwork(): Promise<void> {}

  async create(req: CreateRequest): Promise<string> {
    const name = instanceName(req.spec);
    if ([...this.vms.values()].some((v) => v.name === name))
      throw new McpError('CONFLICT', `name ${name} is already in use`, { name });
    const image = await bootImage(req.spec.image);
    const { accel } = await this.accelerator();
    if (this.closing.signal.aborted)
      throw new McpError('RUNTIME', `VM ${name} is not created: the agent is stopping`, { name });
    const bridge = this.opts.bridge;
    const port: BridgePort | undefined =
      bridge && bridgeExists(bridge)
        ? {
            tap: tapName(name),
            address: await this.allocate(name, bridge),
            gateway: bridge.gateway,
          }
        : undefined;
    const dir = this.dirOf(name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const rec: VmRecord = {
      id: randomBytes(16).toString('hex'),
      name,
      labels: managedLabels(req.spec, req.hash, req.revision, req.node),
      image: req.spec.image,
      imageId: image.id,
      args: vmArgs(req, image, dir, accel, port),
      accel,
      ...(port && { port }),
    };
    await writeRecord(dir, rec);
    this.vms.set(rec.id, rec);
    this.emit('create', rec);
    return rec.id;
  }

  async start(id: string): Promise<void> {
    const rec = this.mustGet(id);
    const pid = this.pidOf(rec);
    if (pid !== undefined) {
      if (!(await hasSignOfLife(this.consoleOf(rec)))) await this.awaitBoot(rec, pid);
      return;
    }
    const dir = this.dirOf(rec.name);
    await rm(join(dir, 'qmp.sock'), { force: true });
    await rm(join(dir, 'qemu.pid'), { force: true });
    await rm(this.consoleOf(rec), { force: true });
    if (rec.port) await ensureTap(rec.port.tap, this.opts.bridge?.name ?? 'mcp-br0');
    const log = openSync(join(dir, 'qemu.log'), 'a');
    const child = spawn(this.qemu, rec.args, { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    this.children.set(id, child);
    if (child.pid) this.booting.set(id, child.pid);
    try {
      await this.awaitQmp(rec, child);
    } catch (err) {
      this.booting.delete(id);
      throw err;
    }
    this.running.add(id);
    const started = this.pidOf(rec);
    if (started !== undefined) await this.awaitBoot(rec, started);
    else this.booting.delete(id);
    this.emit('start', rec);
  }

  /** QEMU answers on its QMP socket within the start timeout, or its start fails. */
  private async awaitQmp(rec: VmRecord, child: ChildProcess): Promise<void> {
    const dir = this.dirOf(rec.name);
    let exited: number | string | null | undefined;
    child.on('exit', (code, signal) => {
      exited = code ?? signal;
      this.poll();
    });
    child.on('error', (err) => {
      exited = err.message;
    });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 15_000);
    for (;;) {
      if (exited !== undefined) {
        const tail = (await readFile(join(dir, 'qemu.log'), 'utf8').catch(() => ''))
          .trim()
          .split('\n')
          .slice(-3);
        throw new McpError(
          'RUNTIME',
          `qemu for ${rec.name} exited at start (${exited}): ${tail.join(' | ')}`,
          {
            name: rec.name,
          },
        );
      }
      if (
        await qmp(join(dir, 'qmp.sock'), [], 1000).then(
          () => true,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new McpError('RUNTIME', `qemu for ${rec.name} did not answer on QMP within the start timeout`, {
          name: rec.name,
        });
      }
      await sleep(100);
    }
  }

  /** The boot deadline: the guest writes to its console in time, or QEMU is killed. */
  private async awaitBoot(rec: VmRecord, pid: number): Promise<void> {
    this.booting.set(rec.id, pid);
    await awaitSignOfLife({
      name: rec.name,
      consoleLog: this.consoleOf(rec),
      deadlineMs: this.opts.bootTimeoutMs ?? 60_000,
      accel: rec.accel ?? 'unknown',
      alive: () => isAlive(pid),
      kill: async () => {
        this.running.delete(rec.id);
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
        for (const until = Date.now() + 2000; isAlive(pid) && Date.now() < until; ) await sleep(20);
      },
    }).finally(() => this.booting.delete(rec.id));
  }

  /** ACPI power-down, then after `timeoutSeconds` QMP quit, then SIGKILL. */
  async stop(id: string, timeoutSeconds: number): Promise<void> {
    const rec = this.mustGet(id);
    const pid = this.pidOf(rec);
    if (pid === undefined) return;
    await shutdownQemu(pid, join(this.dirOf(rec.name), 'qmp.sock'), timeoutSeconds);
    this.running.delete(id);
    this.emit('die', rec, true);
    this.emit('stop', rec, true);
  }

  async remove(id: string): Promise<void> {
    const rec = this.vms.get(id);
    if (!rec) return;
    await this.stop(id, 0);
    if (rec.port) await removeTap(rec.port.tap);
    await rm(this.dirOf(rec.name), { recursive: true, force: true });
    this.vms.delete(id);
    this.children.delete(id);
    this.emit('remove', rec, true);
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** VMs are only ever MCP's own (found by their state directories): there is none to adopt. */
  /** When the VM's QEMU started: it writes its pid file then, and each start begins without one. */
  async startedAt(id: string): Promise<string | undefined> {
    const rec = this.vms.get(id);
    if (!rec || this.pidOf(rec) === undefined) return undefined;
    const at = await stat(join(this.dirOf(rec.name), 'qemu.pid')).catch(() => undefined);
    return at?.mtime.toISOString();
  }

  async inspect(id: string): Promise<RunningConfig> {
    throw new McpError('NOT_FOUND', `VM ${id} cannot be adopted: only containers can`, { id });
  }

  /**
   * Stops watching; the VMs keep running for the next agent to re-attach to, except those
   * whose guest has not shown a sign of life yet: nobody would be left to enforce their deadline.
   */
  async close(): Promise<void> {
    this.closing.abort();
    for (const [id, pid] of this.booting) {
      this.running.delete(id);
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    clearInterval(this.timer);
    this.listeners.clear();
    // A probe cut short removes its directory before the agent goes.
    await this.decision?.catch(() => undefined);
  }
}

export const createQemuRuntime = (opts: QemuRuntimeOptions): Promise<QemuRuntime> => QemuRuntime.open(opts);
