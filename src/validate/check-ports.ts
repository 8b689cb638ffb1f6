/** Host port conflicts: two instances on one node cannot both bind the same address and port. */

import type { PortBinding } from '../domain/spec.js';
import { parsePortSpec } from '../validate/normalise.js';
import { problem } from './problem.js';
import type { KeyPath, LoadedFile, SpecError } from './types.js';

interface Published {
  f: LoadedFile;
  path: KeyPath;
  owner: string;
  binding: PortBinding;
}

const wildcard = (ip: string): boolean => ip === '' || ip === '0.0.0.0' || ip === '::';

const overlaps = (a: PortBinding, b: PortBinding): boolean =>
  a.hostIp === b.hostIp || wildcard(a.hostIp) || wildcard(b.hostIp);

const show = (b: PortBinding): string => {
  const ip = b.hostIp === '' ? '*' : b.hostIp.includes(':') ? `[${b.hostIp}]` : b.hostIp;
  return `${ip}:${b.hostPort}/${b.protocol}`;
};

/**
 * Every binding that overlaps one published earlier (in file order) on the same node.
 * Inactive services count too: switching `active` must not turn a valid revision invalid.
 */
export function checkPortConflicts(files: readonly LoadedFile[]): SpecError[] {
  const byKey = new Map<string, Published[]>();
  const errors: SpecError[] = [];
  for (const f of files) {
    f.service.components.forEach((c, i) => {
      (c.ports ?? []).forEach((spec, j) => {
        const binding = parsePortSpec(spec);
        const key = `${f.service.node} ${binding.hostPort}/${binding.protocol}`;
        const earlier = byKey.get(key) ?? [];
        const path = ['components', i, 'ports', j];
        const clash = earlier.find((e) => overlaps(e.binding, binding));
        if (clash) {
          const where = `${clash.f.file}:${clash.f.at(clash.path).line}`;
          errors.push(
            problem(
              f,
              path,
              `host port ${show(binding)} on node ${f.service.node} is already published by ${clash.owner} (${where})`,
            ),
          );
        }
        earlier.push({ f, path, owner: `${f.service.name}/${c.name}`, binding });
        byKey.set(key, earlier);
      });
    });
  }
  return errors;
}
