/**
 * Out-of-band access to the test podman for integration tests: what an operator would do by
 * hand with the podman CLI, bypassing MCP's adapter. Fails loudly when podman is not up.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The socket the suite talks to (test/support/podman-up.sh prints and serves it). */
export const podmanSocket = process.env.MCP_PODMAN_SOCKET ?? '/run/mcp-test/podman.sock';

/** Runs `podman --url unix://SOCKET ARGS`; returns trimmed stdout. */
export const podman = async (...args: string[]): Promise<string> => {
  const { stdout } = await run('podman', ['--url', `unix://${podmanSocket}`, ...args], {
    maxBuffer: 16 << 20,
  });
  return stdout.trim();
};

/** Throws with instructions when the podman service does not answer. */
export const requirePodman = async (): Promise<void> => {
  try {
    await podman('ps', '-q');
  } catch (err) {
    throw new Error(
      `podman is not reachable at ${podmanSocket}: run test/support/podman-up.sh first (${(err as Error).message.split('\n')[0]})`,
    );
  }
};

/**
 * Force-removes every container whose name starts with `prefix` (test clean-up). A container
 * that podman's restart policy is bringing back can refuse one removal ("container state
 * improper"): the removal is tried again, a few times, until nothing of the prefix is left.
 */
export const removeContainers = async (prefix: string): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    const ids = (await podman('ps', '-aq', '--filter', `name=^${prefix}`)).split('\n').filter(Boolean);
    if (!ids.length) return;
    try {
      await podman('rm', '-f', '-t', '0', ...ids);
      return;
    } catch (err) {
      if (attempt === 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
};

/** name -> state ('running', 'exited', 'created', ...) of the containers whose name starts with `prefix`. */
export const containerStates = async (prefix: string): Promise<Record<string, string>> => {
  const list: { Names: string[]; State: string }[] = JSON.parse(
    (await podman('ps', '-a', '--filter', `name=^${prefix}`, '--format', 'json')) || '[]',
  );
  return Object.fromEntries(list.map((c) => [c.Names[0], c.State]));
};

/** The test images podman-up.sh builds, with different ids. */
export const IMAGE_V1 = 'localhost/mcp-test/busybox:v1';
export const IMAGE_V2 = 'localhost/mcp-test/busybox:v2';
