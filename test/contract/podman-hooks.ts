/**
 * The podman side of the contract: the socket convention, the loud failure when podman is not
 * set up, and out-of-band actions done the way an operator would, through the API directly
 * and never through the adapter under test.
 */
import http from 'node:http';
import type Docker from 'dockerode';
import type { InstanceRuntime } from '../../src/ports/instance-runtime.js';
import type { RuntimeHooks } from './instance-runtime.js';

/** The socket podman-up.sh starts; MCP_PODMAN_SOCKET overrides it. */
export const podmanSocket = (): string => process.env.MCP_PODMAN_SOCKET || '/run/mcp-test/podman.sock';

/** Images podman-up.sh builds. */
export const TEST_IMAGES = {
  v1: 'localhost/mcp-test/busybox:v1',
  v2: 'localhost/mcp-test/busybox:v2',
  missing: 'localhost/mcp-test/missing:v0',
} as const;

/** Resolves when `GET /_ping` answers on `socketPath`. */
export const ping = (socketPath: string, timeoutMs = 3000): Promise<boolean> =>
  new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });

/** Throws (never skips) when podman is not there, saying how to set it up. */
export const assertPodmanUp = async (socketPath = podmanSocket()): Promise<void> => {
  if (await ping(socketPath)) return;
  throw new Error(
    `podman API socket ${socketPath} does not answer /_ping: run test/support/podman-up.sh as root ` +
      '(or set MCP_PODMAN_SOCKET) before the integration tests',
  );
};

/** Removes every container and network whose name starts with `prefix`. */
export const removeByPrefix = async (docker: Docker, prefix: string): Promise<void> => {
  const containers = await docker.listContainers({ all: true });
  const mine = containers.filter((c) => c.Names.some((n) => n.replace(/^\//, '').startsWith(prefix)));
  await Promise.all(
    mine.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
  const networks = await docker.listNetworks();
  const nets = networks.filter((n) => n.Name.startsWith(prefix));
  await Promise.all(
    nets.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => {}),
    ),
  );
};

/** Creates and starts a container without MCP labels. */
export const runUnmanaged = async (docker: Docker, name: string, image: string = TEST_IMAGES.v1) => {
  const c = await docker.createContainer({
    name,
    Image: image,
    Cmd: ['sleep', '3600'],
    HostConfig: { Init: true },
  });
  await c.start();
  return c.id;
};

/** Contract hooks acting on podman through a dockerode client of their own. */
export const podmanHooks = <R extends InstanceRuntime>(docker: Docker): RuntimeHooks<R> => ({
  images: TEST_IMAGES,
  stopByHand: async (_rt, name) => void (await docker.getContainer(name).stop({ t: 2 })),
  killByHand: async (_rt, name) => void (await docker.getContainer(name).kill()),
  removeByHand: async (_rt, name) => void (await docker.getContainer(name).remove({ force: true })),
  addUnmanaged: async (_rt, name) => void (await runUnmanaged(docker, name)),
  cleanup: (prefix) => removeByPrefix(docker, prefix),
});
