/**
 * ensureNetwork: a user network, created when missing. Networks created through podman 4.3's
 * compat API get `dns_enabled: true` (aardvark-dns), so members resolve each other by
 * container name; the integration suite checks that for real.
 */
import type Docker from 'dockerode';
import { deadline, TIMEOUT_MS } from './client.js';
import { toMcpError } from './errors.js';

/** True when it created the network, false when it was already there. */
export const ensureNetwork = async (docker: Docker, name: string): Promise<boolean> => {
  try {
    const found = await docker.listNetworks({
      filters: { name: [name] },
      abortSignal: deadline(TIMEOUT_MS.list),
    } as Docker.NetworkListOptions);
    if (found.some((n) => n.Name === name)) return false;
    await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      abortSignal: deadline(TIMEOUT_MS.mutate),
    } as Docker.NetworkCreateOptions);
    return true;
  } catch (err) {
    const mapped = toMcpError(err, `ensure network ${name}`, { network: name });
    if (mapped.code === 'CONFLICT') return false;
    throw mapped;
  }
};
