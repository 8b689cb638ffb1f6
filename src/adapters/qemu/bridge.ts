/**
 * The isolated host-only bridge (README, "Unikernel VMs"): when it exists, a VM's first NIC is a TAP device
 * enslaved to it as an isolated port (VMs cannot reach each other, only the gateway), with a
 * static address from the bridge's subnet, the same for an instance name on every create.
 * The bridge itself, its gateway address and the host's forward-drop rules are set up once
 * per host (deploy/bridge-up.sh); this module only adds and removes the TAPs.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../../atomic-file.js';
import { McpError } from '../../domain/errors.js';

const run = promisify(execFile);

export interface BridgeConfig {
  name: string;
  /** e.g. 10.99.0.0/24 */
  subnet: string;
  /** e.g. 10.99.0.1 */
  gateway: string;
}

/** A VM's place on the bridge. */
export interface BridgePort {
  tap: string;
  /** ADDR/PREFIX, as the guest's kernel command line takes it. */
  address: string;
  gateway: string;
}

export const bridgeExists = (bridge: BridgeConfig): boolean => existsSync(`/sys/class/net/${bridge.name}`);

/** `mcp` and 8 hex digits of the name's SHA-256: within IFNAMSIZ, stable per instance. */
export const tapName = (instance: string): string =>
  `mcp${createHash('sha256').update(instance).digest('hex').slice(0, 8)}`;

const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/**
 * The instance's address: the one it had before, else the lowest free host address of the
 * subnet (not the network, the gateway or the broadcast address). Kept in `file`.
 */
export const allocateAddress = async (
  file: string,
  instance: string,
  bridge: BridgeConfig,
): Promise<string> => {
  const known: Record<string, string> = JSON.parse(await readFile(file, 'utf8').catch(() => '{}'));
  const [net, bits] = bridge.subnet.split('/');
  const prefix = Number(bits);
  if (known[instance]) return `${known[instance]}/${prefix}`;
  const first = toInt(net) + 1;
  const last = toInt(net) + 2 ** (32 - prefix) - 2;
  const taken = new Set([...Object.values(known), bridge.gateway]);
  for (let n = first; n <= last; n++) {
    if (taken.has(toIp(n))) continue;
    known[instance] = toIp(n);
    await writeFileAtomic(file, JSON.stringify(known, null, 2), 0o644);
    return `${known[instance]}/${prefix}`;
  }
  throw new McpError('RUNTIME', `no free address left in ${bridge.subnet}`);
};

export const addressesFile = (dir: string): string => join(dir, 'addresses.json');

/** Creates the TAP (if missing), enslaves it to the bridge as an isolated port, and brings it up. */
export const ensureTap = async (tap: string, bridge: string): Promise<void> => {
  try {
    if (!existsSync(`/sys/class/net/${tap}`)) await run('ip', ['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    await run('ip', ['link', 'set', tap, 'master', bridge]);
    await run('bridge', ['link', 'set', 'dev', tap, 'isolated', 'on']);
    await run('ip', ['link', 'set', tap, 'up']);
  } catch (err) {
    throw new McpError(
      'RUNTIME',
      `cannot attach ${tap} to ${bridge}: ${(err as { stderr?: string }).stderr?.trim() || err}`,
    );
  }
};

export const removeTap = async (tap: string): Promise<void> => {
  if (existsSync(`/sys/class/net/${tap}`)) await run('ip', ['link', 'del', tap]).catch(() => undefined);
};
