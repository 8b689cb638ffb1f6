/**
 * Health of an instance: the vocabulary (`none` without a probe, `starting`, `healthy`,
 * `unhealthy`) and the pure rule that turns one probe result into the next state, the way
 * podman's own healthcheck counts for a `cmd` probe: failures within `start_period` do not
 * count, one success is healthy, `retries` failures in a row are unhealthy.
 */
import { publishedPorts } from './instance.js';
import type { ComponentSpec, HealthSpec } from './spec.js';

export type HealthState = 'none' | 'starting' | 'healthy' | 'unhealthy';

/** The health of one instance as the registry records it and status shows it. */
export interface HealthRecord {
  state: HealthState;
  /** When it entered this state (ISO time). */
  since: string;
  /** The spec hash of the instance the state is about. */
  hash?: string;
  /** Why it is not healthy, when known. */
  reason?: string;
}

/** What the prober knows of one instance between probes. */
export interface ProbeRecord {
  state: Exclude<HealthState, 'none'>;
  /** Consecutive failures that counted. */
  failures: number;
  /** When the instance (this start of it) was first probed, ms since the epoch. */
  startedAt: number;
  /** Why the last probe failed, for status. */
  lastError?: string;
}

/** The record of an instance that has just started. */
export const freshRecord = (now: number): ProbeRecord => ({ state: 'starting', failures: 0, startedAt: now });

/** The record after one probe of `spec` at `now` succeeded (`error` undefined) or failed. */
export function nextRecord(
  record: ProbeRecord,
  spec: HealthSpec,
  now: number,
  error: string | undefined,
): ProbeRecord {
  if (error === undefined) return { state: 'healthy', failures: 0, startedAt: record.startedAt };
  const grace = now - record.startedAt < spec.startPeriod * 1000;
  if (grace && record.state !== 'healthy') return { ...record, lastError: error };
  const failures = record.failures + 1;
  const state = failures >= spec.retries ? 'unhealthy' : record.state;
  return { state, failures, startedAt: record.startedAt, lastError: error };
}

/** True when a dependent may start after this dependency: healthy, or running without a probe. */
export const isReady = (state: HealthState): boolean => state === 'healthy' || state === 'none';

/**
 * Where the host reaches a component's http or tcp probe port: the published host port (or
 * the route's allocated one) that leads to it, on loopback when published on every address;
 * the port itself on loopback for a container on the host's network.
 */
export function probeAddress(
  spec: ComponentSpec,
  routePorts: Record<string, number>,
): { host: string; port: number } | undefined {
  const probe = spec.health?.probe;
  if (!probe || probe.kind === 'cmd') return undefined;
  if (spec.network === 'host') return { host: '127.0.0.1', port: probe.port };
  const binding = publishedPorts(spec, routePorts).find(
    (p) => p.containerPort === probe.port && p.protocol === 'tcp',
  );
  if (!binding) return undefined;
  const any = binding.hostIp === '' || binding.hostIp === '0.0.0.0';
  const host = any ? '127.0.0.1' : binding.hostIp === '::' ? '::1' : binding.hostIp;
  return { host, port: binding.hostPort };
}
