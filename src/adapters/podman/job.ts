/**
 * A job's container run to its end through the compat API: create (labels of an instance but
 * `mcp.job` instead of `mcp.managed`, so the informer and the planner leave it alone), start,
 * wait (killed past its time), the last lines of its log, remove.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { McpError } from '../../domain/errors.js';
import { LABEL } from '../../domain/observed.js';
import type { CreateRequest, JobOutcome } from '../../ports/instance-runtime.js';
import { deadline, type PodmanClient, TIMEOUT_MS } from './client.js';
import { toCreateOptions } from './create-options.js';
import { statusOf, toMcpError } from './errors.js';

/** How many lines of a job's log are kept. */
export const LOG_TAIL_LINES = 20;

export async function runJobContainer(
  client: PodmanClient,
  req: CreateRequest,
  timeoutMs: number,
): Promise<JobOutcome> {
  const body = toCreateOptions(req);
  const name = body.name ?? '';
  const { [LABEL.managed]: _managed, ...labels } = body.Labels ?? {};
  await clearLeftover(client, name, req.node);
  const container = await client.api
    .createContainer({
      ...body,
      Labels: { ...labels, [LABEL.job]: 'true' },
      abortSignal: deadline(TIMEOUT_MS.mutate),
    })
    .catch((err) => {
      throw toMcpError(err, `create job ${name}`, { name });
    });
  try {
    await container.start({ abortSignal: deadline(TIMEOUT_MS.mutate) });
    let exitCode: number | null = null;
    try {
      const ended = (await container.wait({ abortSignal: deadline(timeoutMs) })) as { StatusCode?: number };
      exitCode = ended.StatusCode ?? null;
    } catch (err) {
      if (!isTimeout(err)) throw err;
    }
    return { exitCode, logTail: await logTail(client, container.id) };
  } catch (err) {
    throw toMcpError(err, `run job ${name}`, { name });
  } finally {
    await container.remove({ force: true, abortSignal: deadline(TIMEOUT_MS.mutate) }).catch(() => undefined);
  }
}

const isTimeout = (err: unknown): boolean => {
  const e = err as { name?: string; code?: string };
  return e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.code === 'ABORT_ERR';
};

/** Removes a job container of this node left under `name` (its agent died during the run). */
async function clearLeftover(client: PodmanClient, name: string, node: string | undefined): Promise<void> {
  let labels: Record<string, string> | undefined;
  try {
    labels = (await client.api.getContainer(name).inspect({ abortSignal: deadline(TIMEOUT_MS.mutate) }))
      .Config?.Labels;
  } catch (err) {
    if (statusOf(err) === 404) return;
    throw toMcpError(err, `inspect ${name}`, { name });
  }
  if (labels?.[LABEL.job] !== 'true' || labels?.[LABEL.node] !== node)
    throw new McpError('CONFLICT', `name ${name} is held by a container that is not this node's job`, {
      name,
    });
  await client.api.getContainer(name).remove({ force: true, abortSignal: deadline(TIMEOUT_MS.mutate) });
}

/** The last lines of the container's stdout and stderr, in the order podman kept them. */
async function logTail(client: PodmanClient, id: string): Promise<string[]> {
  const raw = (await client.api.getContainer(id).logs({
    stdout: true,
    stderr: true,
    follow: false,
    tail: LOG_TAIL_LINES,
    abortSignal: deadline(TIMEOUT_MS.mutate),
  })) as unknown as Buffer;
  const text = new PassThrough();
  const chunks: Buffer[] = [];
  text.on('data', (c: Buffer) => chunks.push(c));
  const frames = new PassThrough();
  const ended = once(frames, 'end');
  client.api.modem.demuxStream(frames, text, text);
  frames.end(raw);
  await ended;
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-LOG_TAIL_LINES);
}
