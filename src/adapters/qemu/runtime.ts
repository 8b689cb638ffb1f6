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
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { McpError } from '../../domain/errors.js';
import { managedLabels } from '../../domain/instance.js';
import type { InstanceState, Observed, ObservedInstance, RunningConfig } from '../../domain/observed.js';
import { instanceName } from '../../domain/spec.js';
import type { CreateRequest, InstanceRuntime, RuntimeEvent } from '../../ports/instance-runtime.js';
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
import { shutdownQemu, sleep } from './process.js';
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
}

export class QemuRuntime implements InstanceRuntime {
  private readonly vms = new Map<string, VmRecord>();
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  /** Ids last seen running, to tell the agent when one stops on its own. */
  private readonly running = new Set<string>();
  private readonly children = new Map<string, ChildProcess>();
  private readonly timer: NodeJS.Timeout;
  private readonly qemu: string;

  private constructor(private readonly opts: QemuRuntimeOptions) {
    this.qemu = opts.qemu ?? 'qemu-system-x86_64';
    this.timer = setInterval(() => this.poll(), opts.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Opens the VM directory and re-attaches to every VM recorded there. */
  static async open(opts: QemuRuntimeOptions): Promise<QemuRuntime> {
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

  private dirOf(name: string): string {
    return join(this.opts.dir, name);
  }

  /** The QEMU pid of a VM when that process is alive and really is this VM's QEMU. */
  private pidOf(rec: VmRecord): number | undefined {
    return qemuPidOf(this.dirOf(rec.name));
  }

  private stateOf(rec: VmRecord): InstanceState {
    if (this.pidOf(rec) !== undefined) return 'running';
    return this.children.has(rec.id) || hasRun(this.dirOf(rec.name)) ? 'exited' : 'created';
  }

  /** `own`: the event follows this runtime's own stop or remove, not the VM's doing. */
  private emit(type: RuntimeEvent['type'], rec: VmRecord, own = false): void {
    for (const l of this.listeners) l({ type, name: rec.name, id: rec.id, managed: true, own });
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

  async ensureImage(ref: string): Promise<string> {
    return (await bootImage(ref)).id;
  }

  async ensureNetwork(): Promise<void> {}

  async create(req: CreateRequest): Promise<string> {
    const name = instanceName(req.spec);
    if ([...this.vms.values()].some((v) => v.name === name))
      throw new McpError('CONFLICT', `name ${name} is already in use`, { name });
    const image = await bootImage(req.spec.image);
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
      labels: managedLabels(req.spec, req.hash, req.revision),
      image: req.spec.image,
      imageId: image.id,
      args: vmArgs(req, image, dir, port),
      ...(port && { port }),
    };
    await writeRecord(dir, rec);
    this.vms.set(rec.id, rec);
    this.emit('create', rec);
    return rec.id;
  }

  async start(id: string): Promise<void> {
    const rec = this.mustGet(id);
    if (this.pidOf(rec) !== undefined) return;
    const dir = this.dirOf(rec.name);
    await rm(join(dir, 'qmp.sock'), { force: true });
    await rm(join(dir, 'qemu.pid'), { force: true });
    if (rec.port) await ensureTap(rec.port.tap, this.opts.bridge?.name ?? 'mcp-br0');
    const log = openSync(join(dir, 'qemu.log'), 'a');
    const child = spawn(this.qemu, rec.args, { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    this.children.set(id, child);
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
    this.running.add(id);
    this.emit('start', rec);
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
  async inspect(id: string): Promise<RunningConfig> {
    throw new McpError('NOT_FOUND', `VM ${id} cannot be adopted: only containers can`, { id });
  }

  /** Stops watching; the VMs keep running for the next agent to re-attach to. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.listeners.clear();
  }
}

export const createQemuRuntime = (opts: QemuRuntimeOptions): Promise<QemuRuntime> => QemuRuntime.open(opts);
