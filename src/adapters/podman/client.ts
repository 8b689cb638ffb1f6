/**
 * The two dockerode clients of the adapter (one for calls, one for the long-lived event
 * stream) and the counter of every HTTP request they make, which is how tests and benchmarks
 * prove that a no-op pass costs no podman call.
 */
import http from 'node:http';
import https from 'node:https';
import { createRequire, Module } from 'node:module';
import type Docker from 'dockerode';

const requireHere = createRequire(import.meta.url);
const requireFromDockerode = createRequire(requireHere.resolve('dockerode'));
const requireFromModem = createRequire(requireFromDockerode.resolve('docker-modem'));

/**
 * Puts a stand-in for the module `request` (one that exports a function) in the require
 * cache: the real module is loaded at the stand-in's first call. dockerode 4 requires its
 * BuildKit session (gRPC, protobufjs, OpenTelemetry) and docker-modem its ssh transport
 * (ssh2) when they load, though this adapter builds no image and dials a unix socket:
 * about 45 % of the agent's start-up imports and 20 MB of resident memory for code never run.
 */
const deferModule = (require: NodeJS.Require, request: string): void => {
  const path = require.resolve(request);
  if (require.cache[path]) return;
  let real: ((...args: unknown[]) => unknown) | undefined;
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  standIn.exports = (...args: unknown[]) => {
    if (!real) {
      delete require.cache[path];
      real = require(path) as (...args: unknown[]) => unknown;
    }
    return real(...args);
  };
  require.cache[path] = standIn;
};
deferModule(requireFromDockerode, './session.js');
deferModule(requireFromModem, './ssh.js');
const Dockerode = requireHere('dockerode') as typeof Docker;

/**
 * docker-modem sends every request through its own copy of an old follow-redirects, which
 * follows a 3xx from the socket by turning the Location into a URL: for a socket there is no
 * host, so podman's 301 to a cleaned path (an image name with `..` or `//`) throws outside
 * any promise and ends the process, or dials a host named after a path segment. A runtime
 * socket has no business redirecting: its requests go through Node's own client, and a 3xx
 * is an error like any other status.
 */
const modemHttp = requireFromDockerode('docker-modem/lib/http.js') as Record<
  'http' | 'https',
  { request: unknown }
>;
modemHttp.http.request = http.request;
modemHttp.https.request = https.request;

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
    api: counted(new Dockerode({ socketPath })),
    events: counted(new Dockerode({ socketPath })),
    requests: () => count,
  };
};
