/**
 * The admission check: a pure function of the valid revision's files, the node's policy and
 * what the node resolved its paths to. Each violation is a located error naming its rule,
 * so a revision that would give a commit the host is rejected like an invalid one.
 */
import { posix } from 'node:path';
import { parsePortSpec, parseVolumeSpec } from '../domain/normalise.js';
import type { Component } from '../generated/service.js';
import { problem } from '../spec/problem.js';
import type { KeyPath, LoadedFile, SpecError } from '../spec/types.js';
import type { AdmissionPolicy, Resolutions, ResolvedPath } from './types.js';

/** Never mounted, whatever the roots: the kernel's and the devices' own trees. */
export const NEVER_MOUNTED = ['/proc', '/sys', '/dev'] as const;

/** What the check needs besides the files and the policy. */
export interface AdmissionContext {
  /** Check only the services of this node; all when undefined (CI). */
  node?: string;
  resolved: Resolutions;
  /** Real paths no volume may be, hold or sit in: the podman socket, the agent's state. */
  protectedPaths: readonly string[];
}

/** `path` is `dir` or below it. */
const under = (path: string, dir: string): boolean =>
  dir === '/' || path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

const SPECIAL = new Set(['socket', 'device', 'fifo', 'other']);

/** The services' files of the node: only they run here. */
const ofNode = (files: readonly LoadedFile[], node: string | undefined): readonly LoadedFile[] =>
  node === undefined ? files : files.filter((f) => f.service.node === node);

/** Every path the check wants resolved on the node: volume sources, images, the roots. */
export function pathsToResolve(
  files: readonly LoadedFile[],
  policy: AdmissionPolicy,
  node?: string,
): string[] {
  const paths: string[] = [...policy.allowed_volume_roots, ...policy.allowed_image_roots];
  for (const f of ofNode(files, node))
    for (const c of f.service.components) {
      if (c.kind === 'unikernel')
        paths.push(c.image, posix.join(c.image, 'vmlinuz'), posix.join(c.image, 'initrd.img'));
      else for (const v of c.volumes ?? []) paths.push(parseVolumeSpec(v).source);
    }
  return paths.map((p) => posix.normalize(p));
}

type Violation = (path: KeyPath, rule: string, message: string, hint?: string) => SpecError;

/** The rules of paths: never special trees or files, never the protected ones, within the roots. */
function checkPath(
  what: string,
  written: string,
  roots: readonly string[],
  rootsRule: string,
  ctx: AdmissionContext,
  at: KeyPath,
  violation: Violation,
): SpecError | undefined {
  const lexical = posix.normalize(written);
  const r: ResolvedPath = ctx.resolved.get(lexical) ?? { real: lexical, kind: 'unknown' };
  const shown = `${what} '${written}'${r.real !== lexical ? ` (resolves to ${r.real})` : ''}`;
  const never = NEVER_MOUNTED.find((n) => under(lexical, n) || under(r.real, n));
  if (never) return violation(at, 'never_special', `${shown} is under ${never}`);
  if (SPECIAL.has(r.kind))
    return violation(at, 'never_special', `${shown} is a ${r.kind === 'other' ? 'special file' : r.kind}`);
  if (r.kind === 'unresolvable')
    return violation(at, rootsRule, `${shown} cannot be resolved on this node (${r.reason ?? 'unknown'})`);
  const realRoots = roots.map((root) => ctx.resolved.get(posix.normalize(root))?.real ?? root);
  // Images are only read by QEMU; a volume hands the path to a container.
  const guarded =
    what === 'volume source' && ctx.protectedPaths.find((p) => under(p, r.real) || under(r.real, p));
  if (realRoots.some((root) => under(r.real, root)))
    return guarded
      ? violation(at, 'protected_paths', `${shown} is or holds ${guarded}, which controls the node`)
      : undefined;
  return violation(
    at,
    rootsRule,
    `${shown} is outside the allowed roots (${roots.join(', ')})`,
    `an operator can add a root to [admission] ${rootsRule} in the agent config`,
  );
}

const NUMERIC_USER = /^(\d+)(?::\d+)?$/;

function checkComponent(
  c: Component,
  i: number,
  policy: AdmissionPolicy,
  ctx: AdmissionContext,
  violation: Violation,
): SpecError[] {
  const base = ['components', i];
  const errors: SpecError[] = [];
  const add = (e: SpecError | undefined): void => {
    if (e) errors.push(e);
  };
  if (c.kind === 'unikernel') {
    const at = [...base, 'image'];
    add(
      checkPath(
        'unikernel image',
        c.image,
        policy.allowed_image_roots,
        'allowed_image_roots',
        ctx,
        at,
        violation,
      ),
    );
    if (errors.length === 0)
      for (const part of ['vmlinuz', 'initrd.img']) {
        const path = posix.join(c.image, part);
        const kind = ctx.resolved.get(posix.normalize(path))?.kind;
        if (kind === 'missing' || kind === 'unknown' || kind === undefined) continue;
        add(
          checkPath(
            'unikernel image',
            path,
            policy.allowed_image_roots,
            'allowed_image_roots',
            ctx,
            at,
            violation,
          ),
        );
      }
  }
  (c.volumes ?? []).forEach((spec, j) => {
    const { source } = parseVolumeSpec(spec);
    add(
      checkPath(
        'volume source',
        source,
        policy.allowed_volume_roots,
        'allowed_volume_roots',
        ctx,
        [...base, 'volumes', j],
        violation,
      ),
    );
  });
  if (c.network !== undefined && !policy.allowed_networks.includes(c.network))
    add(
      violation(
        [...base, 'network'],
        'allowed_networks',
        `network '${c.network}' is not allowed on this node (allowed: ${policy.allowed_networks.join(', ') || 'none listed'})`,
        c.network === 'host'
          ? "'host' shares the node's own network stack; list it only for services that must"
          : undefined,
      ),
    );
  (c.ports ?? []).forEach((spec, j) => {
    const p = parsePortSpec(spec);
    const at = [...base, 'ports', j];
    const ip = p.hostIp === '' ? '0.0.0.0' : p.hostIp;
    if (!policy.allowed_host_ips.includes(ip))
      add(
        violation(
          at,
          'allowed_host_ips',
          `port '${spec}' is published on ${p.hostIp === '' ? 'every address' : ip}, not allowed on this node (allowed: ${policy.allowed_host_ips.join(', ')})`,
          p.hostIp === '' ? 'name the address, e.g. 127.0.0.1:8080:8080' : undefined,
        ),
      );
    const { min, max } = policy.host_ports;
    if (p.hostPort < min || p.hostPort > max)
      add(violation(at, 'host_ports', `host port ${p.hostPort} is outside the allowed range ${min}-${max}`));
  });
  if (policy.require_non_root && c.kind !== 'unikernel') {
    const uid = NUMERIC_USER.exec(c.user ?? '')?.[1];
    if (uid === undefined || Number(uid) === 0)
      add(
        violation(
          [...base, c.user === undefined ? 'name' : 'user'],
          'require_non_root',
          c.user === undefined
            ? 'the container names no user, so it runs as its image user, possibly root'
            : `user '${c.user}' is not a numeric non-zero uid`,
          'set user = "<uid>[:<gid>]", e.g. user = "1000:1000"',
        ),
      );
  }
  return errors;
}

/** Every violation of `policy` by the services of `ctx.node`, each located and naming its rule. */
export function checkAdmission(
  files: readonly LoadedFile[],
  policy: AdmissionPolicy,
  ctx: AdmissionContext,
): SpecError[] {
  return ofNode(files, ctx.node).flatMap((f) => {
    const violation: Violation = (path, rule, message, hint) => ({
      ...problem(f, path, `${message} (policy: ${rule})`, hint),
      rule: `admission.${rule}`,
    });
    return f.service.components.flatMap((c, i) => checkComponent(c, i, policy, ctx, violation));
  });
}
