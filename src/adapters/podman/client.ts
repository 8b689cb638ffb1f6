/**
 * The two dockerode clients of the adapter (one for calls, one for the long-lived event
 * stream) and the counter of every HTTP request they make, which is how tests and benchmarks
 * prove that a no-op pass costs no podman call.
 */
import Docker from 'dockerode';

/** A dockerode client bound to the podman socket, with a shared request counter. */
export interface PodmanClient {
  api: Docker;
  events: Docker;
  requests(): number;
}

/** Per-call time limits: a hung podman must become RUNTIME_UNAVAILABLE, not a hung pass. */
export const TIMEOUT_MS = { list: 30_000, mutate: 60_000, pull: 600_000, streamOpen: 10_000 } as const;

/** An abort signal for one call of the given kind (or of `ms` milliseconds). */
export const deadline = (ms: number): AbortSignal => AbortSignal.timeout(ms);

/** Connects lazily: no request is made until the first call. */
export const createClient = (socketPath: string): PodmanClient => {
  let count = 0;
  const counted = (docker: Docker): Docker => {
    const modem = docker.modem as unknown as { dial: (options: unknown, callback: unknown) => unknown };
    const dial = modem.dial.bind(modem);
    modem.dial = (options, callback) => {
      count += 1;
      return dial(options, callback);
    };
    return docker;
  };
  return {
    api: counted(new Docker({ socketPath })),
    events: counted(new Docker({ socketPath })),
    requests: () => count,
  };
};
