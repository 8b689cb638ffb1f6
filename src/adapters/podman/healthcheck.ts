/**
 * Runs a container's own healthcheck (the HealthConfig given at create) once, as
 * `podman healthcheck run` does, through libpod's `GET /containers/{name}/healthcheck`.
 * Podman counts retries and the start period itself and records the result, so `podman ps`
 * agrees; the answer is podman's state after the run. Without systemd podman 4.3 schedules no
 * healthcheck of its own, so the agent's prober drives it on the probe's interval.
 */
import type { ProbeOutcome } from '../../ports/instance-runtime.js';
import { deadline, type PodmanClient } from './client.js';
import { podmanMessage, statusOf, toMcpError } from './errors.js';

interface HealthAnswer {
  Status?: string;
  Log?: { ExitCode?: number; Output?: string }[] | null;
}

const STATES: Record<string, ProbeOutcome['state']> = {
  healthy: 'healthy',
  unhealthy: 'unhealthy',
  starting: 'starting',
};

/** One run of the healthcheck of container `name`; a stopped container is reported unhealthy. */
export const runHealthcheck = async (
  client: PodmanClient,
  name: string,
  timeoutMs: number,
): Promise<ProbeOutcome> => {
  let answer: HealthAnswer;
  try {
    answer = await new Promise<HealthAnswer>((resolve, reject) => {
      client.api.modem.dial(
        {
          path: `/v4.0.0/libpod/containers/${encodeURIComponent(name)}/healthcheck?`,
          method: 'GET',
          statusCodes: { 200: true, 404: 'no such container', 409: 'not running', 500: 'server error' },
          abortSignal: deadline(timeoutMs),
        },
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as HealthAnswer)),
      );
    });
  } catch (err) {
    const status = statusOf(err);
    if (status === 404 || status === 409) return { state: 'unhealthy', error: podmanMessage(err) };
    throw toMcpError(err, `healthcheck ${name}`, { name });
  }
  const state = STATES[answer.Status ?? ''] ?? 'starting';
  const last = answer.Log?.[answer.Log.length - 1];
  const error =
    state === 'healthy'
      ? undefined
      : !last
        ? `podman healthcheck says ${state}`
        : `healthcheck exited ${last?.ExitCode ?? '?'}: ${last?.Output?.trim() ?? ''}`.trim();
  return error ? { state, error } : { state };
};
