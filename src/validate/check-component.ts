/** Checks of one component that the schema cannot express: pinned images, kinds, port ranges. */
import { isNetworkMode } from '../domain/spec.js';
import type { Component } from '../generated/service.js';
import { parsePortSpec } from '../validate/normalise.js';
import { unpinnedImage } from './image.js';
import { parseImageReference } from './image-reference.js';
import { problem } from './problem.js';
import type { KeyPath, LoadedFile, SpecError } from './types.js';

const containerOnly = ['network', 'user', 'volumes', 'pull'] as const;
const unikernelOnly = ['memory', 'cpus'] as const;

const inRange = (port: number): boolean => port >= 1 && port <= 65535;

function checkPorts(f: LoadedFile, c: Component, base: KeyPath): SpecError[] {
  const errors: SpecError[] = [];
  (c.ports ?? []).forEach((spec, j) => {
    const p = parsePortSpec(spec);
    const at = [...base, 'ports', j];
    if (!inRange(p.hostPort)) errors.push(problem(f, at, `host port ${p.hostPort} is out of range 1..65535`));
    if (!inRange(p.containerPort)) {
      errors.push(problem(f, at, `container port ${p.containerPort} is out of range 1..65535`));
    }
    if (p.hostIp.includes('.') && p.hostIp.split('.').some((o) => Number(o) > 255)) {
      errors.push(problem(f, at, `'${p.hostIp}' is not an IPv4 address`));
    }
  });
  return errors;
}

function checkRoutes(f: LoadedFile, c: Component, base: KeyPath): SpecError[] {
  const seen = new Map<string, number>();
  const errors: SpecError[] = [];
  (c.routes ?? []).forEach((r, k) => {
    const first = seen.get(r.name);
    if (first === undefined) seen.set(r.name, k);
    else
      errors.push(
        problem(
          f,
          [...base, 'routes', k, 'name'],
          `route '${r.name}' is defined twice (also routes[${first}])`,
        ),
      );
  });
  return errors;
}

const PROBES = ['cmd', 'http', 'tcp'] as const;

/** A health table names exactly one probe; `cmd` runs inside a container, so not in a VM. */
function checkHealth(f: LoadedFile, c: Component, base: KeyPath): SpecError[] {
  const h = c.health;
  if (!h) return [];
  const at = [...base, 'health'];
  const given = PROBES.filter((p) => h[p] !== undefined);
  if (given.length === 0)
    return [problem(f, at, 'health needs one probe: cmd, http or tcp', 'e.g. http = 8080')];
  if (given.length > 1)
    return [
      problem(f, [...at, given[1]], `health has both '${given[0]}' and '${given[1]}'; give exactly one`),
    ];
  const errors: SpecError[] = [];
  if (h.path !== undefined && h.http === undefined)
    errors.push(problem(f, [...at, 'path'], "'path' applies only to an http probe"));
  if (h.cmd && c.kind === 'unikernel')
    errors.push(
      problem(f, [...at, 'cmd'], "a 'cmd' probe runs inside a container; a unikernel needs http or tcp"),
    );
  const port = h.http ?? h.tcp;
  const reachable =
    port === undefined ||
    c.network === 'host' ||
    (c.ports ?? []).some((p) => parsePortSpec(p).containerPort === port && !p.endsWith('/udp')) ||
    (c.routes ?? []).some((r) => r.port === port);
  if (!reachable)
    errors.push(
      problem(
        f,
        [...at, h.http !== undefined ? 'http' : 'tcp'],
        `probe port ${port} is neither published in 'ports' nor a route's port, so the agent cannot reach it`,
        `e.g. ports = ["127.0.0.1:18080:${port}"], or a [[components.routes]] with port = ${port}`,
      ),
    );
  return errors;
}

/** Podman network modes MCP does not run: each would fail at every create, or needs what the nodes lack. */
const UNSUPPORTED_MODES = new Set(['bridge', 'pasta', 'private', 'slirp4netns']);

/** What `network` allows: a supported mode, and no published ports where nothing is published. */
function checkNetwork(f: LoadedFile, c: Component, base: KeyPath): SpecError[] {
  const network = c.network;
  if (network === undefined) return [];
  if (UNSUPPORTED_MODES.has(network))
    return [
      problem(
        f,
        [...base, 'network'],
        `network '${network}' is a podman network mode MCP does not run`,
        "name a network (created when missing), 'none', or 'host' where the node's policy allows it; omit it for podman's default network",
      ),
    ];
  if (!isNetworkMode(network)) return [];
  return (['ports', 'routes'] as const)
    .filter((key) => (c[key] ?? []).length > 0)
    .map((key) =>
      problem(
        f,
        [...base, key],
        `${key} cannot be published with network '${network}'`,
        network === 'host' ? 'the component listens on the node itself' : 'it has no network',
      ),
    );
}

/** Strings handed to the runtime must not hold NUL: the kernel's argv and environ end at one. */
function checkNul(f: LoadedFile, c: Component, base: KeyPath): SpecError[] {
  return (['cmd', 'env', 'volumes'] as const).flatMap((key) =>
    (c[key] ?? []).flatMap((s, j) =>
      s.includes('\0')
        ? [problem(f, [...base, key, j], `${key} entry contains a NUL character (\\u0000)`)]
        : [],
    ),
  );
}

/** What no job may have (it runs once and ends), and what only a job may. */
const notForJobs = ['ports', 'routes', 'health', 'restart', 'depends_on'] as const;
const jobOnly = ['when', 'timeout'] as const;

function checkJob(f: LoadedFile, c: Component, base: KeyPath): SpecError[] {
  if (c.kind !== 'job')
    return jobOnly
      .filter((key) => c[key] !== undefined)
      .map((key) => problem(f, [...base, key], `'${key}' applies only to a job`, 'set kind = "job"'));
  const errors = notForJobs
    .filter((key) => c[key] !== undefined)
    .map((key) =>
      problem(f, [...base, key], `'${key}' does not apply to a job: it runs once, to completion`),
    );
  if (c.when === undefined)
    errors.push(
      problem(
        f,
        [...base, 'kind'],
        'a job needs when = "pre-deploy" or "post-deploy"',
        'e.g. when = "pre-deploy"',
      ),
    );
  return errors;
}

/** Every problem of component `i` of a schema-valid file. */
export function checkComponent(f: LoadedFile, i: number): SpecError[] {
  const c = f.service.components[i];
  const base = ['components', i];
  const errors = [
    ...checkPorts(f, c, base),
    ...checkRoutes(f, c, base),
    ...checkHealth(f, c, base),
    ...checkNul(f, c, base),
    ...checkJob(f, c, base),
  ];
  if (c.kind === 'unikernel') {
    if (!c.image.startsWith('/')) {
      errors.push(
        problem(
          f,
          [...base, 'image'],
          `unikernel image '${c.image}' must be an absolute path to a bootable image`,
          'e.g. image = "/var/lib/mcp/images/echo.img"',
        ),
      );
    }
    if (c.secrets !== undefined)
      errors.push(
        problem(
          f,
          [...base, 'secrets'],
          "'secrets' does not apply to unikernel components",
          "a unikernel's only channels, its kernel command line and its disk, show up in ps and in images; give it no secret",
        ),
      );
    for (const key of containerOnly) {
      if (c[key] !== undefined)
        errors.push(problem(f, [...base, key], `'${key}' does not apply to unikernel components`));
    }
    return errors;
  }
  errors.push(...checkNetwork(f, c, base));
  const unpinned = unpinnedImage(c.image);
  // A malformed digest is better told as such, with the hint to pin.
  const parsed =
    c.image.startsWith('/') || (unpinned && c.image.includes('@')) ? undefined : parseImageReference(c.image);
  if (parsed && !parsed.ok)
    errors.push(
      problem(
        f,
        [...base, 'image'],
        `image '${c.image}' is not a valid reference: ${parsed.reason}`,
        'the form is [registry[:port]/]name[:tag][@digest], e.g. localhost/team/app:v1.2.3',
      ),
    );
  else if (unpinned) errors.push(problem(f, [...base, 'image'], unpinned.message, unpinned.hint));
  for (const key of unikernelOnly) {
    if (c[key] !== undefined) {
      errors.push(
        problem(
          f,
          [...base, key],
          `'${key}' applies only to unikernel components`,
          'remove it, or set kind = "unikernel"',
        ),
      );
    }
  }
  return errors;
}
