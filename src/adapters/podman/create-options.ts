/**
 * A CreateRequest as podman's create body. Decisions (checked against podman 4.3's compat API):
 * - each route is published on 127.0.0.1:<allocated host port> -> <route port>/tcp: routes are
 *   reached through the host's proxy, never directly from outside;
 * - the container gets PORT_<ROUTE> = the route's port inside it (the port to listen on) and
 *   PORT = the first route's; they are appended after `env`, so the agent's values win;
 * - HostConfig.Init runs catatonit as PID 1, so SIGTERM is honoured and stop takes ~250 ms
 *   instead of the whole timeout;
 * - on a user network the container's name resolves by DNS from its peers (aardvark-dns);
 *   `host` and `none` are network modes: NetworkMode only, no endpoint to join.
 */
import type Docker from 'dockerode';
import { managedLabels, publishedPorts } from '../../domain/instance.js';
import { shellQuote } from '../../domain/shell-quote.js';
import { instanceName, isNetworkMode } from '../../domain/spec.js';
import type { CreateRequest } from '../../ports/instance-runtime.js';

/** `PORT_<NAME>`: the route name upper-cased, dashes as underscores. */
export const routeEnvName = (route: string): string =>
  `PORT_${route.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** The environment variables the agent adds for the routes of a component. */
export const routeEnv = (req: CreateRequest): string[] => {
  const routes = req.spec.routes;
  if (routes.length === 0) return [];
  return [`PORT=${routes[0].port}`, ...routes.map((r) => `${routeEnvName(r.name)}=${r.port}`)];
};

const NS_PER_S = 1_000_000_000;

/**
 * podman's own healthcheck for a `cmd` probe, so `podman ps` and `podman healthcheck run`
 * agree with MCP; http and tcp probes run from the host and give podman nothing.
 */
export const healthConfig = (req: CreateRequest): Docker.HealthConfig | undefined => {
  const health = req.spec.health;
  if (health?.probe.kind !== 'cmd') return undefined;
  // podman 4.3's compat API splits every CMD argument at white space (["sh", "-c", "exit 0"]
  // runs `sh -c exit 0`); CMD-SHELL's one string it passes whole, so such a command goes as that.
  const cmd = health.probe.cmd;
  return {
    Test: cmd.some((a) => /\s/.test(a)) ? ['CMD-SHELL', cmd.map(shellQuote).join(' ')] : ['CMD', ...cmd],
    Interval: health.interval * NS_PER_S,
    Timeout: health.timeout * NS_PER_S,
    Retries: health.retries,
    StartPeriod: health.startPeriod * NS_PER_S,
  };
};

/** The body of `POST /containers/create` for `req`. */
export const toCreateOptions = (
  req: CreateRequest,
  stopTimeoutSeconds?: number,
): Docker.ContainerCreateOptions => {
  const { spec } = req;
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of publishedPorts(req.spec, req.routePorts)) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    bindings[key] = [...(bindings[key] ?? []), { HostIp: p.hostIp, HostPort: String(p.hostPort) }];
  }
  const healthcheck = healthConfig(req);
  return {
    name: instanceName(spec),
    Image: spec.image,
    ...(spec.cmd.length > 0 ? { Cmd: spec.cmd } : {}),
    Env: [...spec.env, ...(req.secrets?.env ?? []), ...routeEnv(req)],
    ...(spec.user ? { User: spec.user } : {}),
    Labels: managedLabels(req.spec, req.hash, req.revision, req.node),
    ...(stopTimeoutSeconds !== undefined ? { StopTimeout: stopTimeoutSeconds } : {}),
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    ExposedPorts: exposed,
    HostConfig: {
      Init: true,
      RestartPolicy: { Name: spec.restart },
      PortBindings: bindings,
      Binds: [
        ...spec.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`),
        ...(req.secrets?.files ?? []).map((f) => `${f.source}:${f.target}:ro`),
      ],
      ...(spec.network ? { NetworkMode: spec.network } : {}),
    },
    ...(spec.network && !isNetworkMode(spec.network)
      ? { NetworkingConfig: { EndpointsConfig: { [spec.network]: {} } } }
      : {}),
  };
};
