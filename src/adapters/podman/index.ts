/** The podman adapter's public face: everything else in this folder is private to it. */

export type { Log, LogLevel } from './log.js';
export { askPodman, type PodmanAnswer } from './ping.js';
export { createPodmanRuntime, PodmanRuntime, type PodmanRuntimeOptions } from './runtime.js';
