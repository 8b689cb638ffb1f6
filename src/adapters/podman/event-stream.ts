/**
 * One connection to podman's event stream (`GET /events`), parsed into small records. Podman
 * 4.3 sends one JSON object per line with `Type`, `Action` (= `status`), `id` and
 * `Actor.Attributes` holding the container's name and labels. Reconnecting is the informer's job.
 */
import type Docker from 'dockerode';

/** One podman event, reduced to what the informer uses. */
export interface PodmanEvent {
  type: string;
  action: string;
  id: string;
  name: string;
  attributes: Record<string, string>;
  /** When podman says it happened, ms since the epoch (0 when it does not say). */
  timeMs: number;
}

/** An open stream; `close` ends it without calling `onDrop`. */
export interface EventStream {
  close(): void;
}

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  time?: number;
  timeNano?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

const parse = (line: string): PodmanEvent | undefined => {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
  const attributes = raw.Actor?.Attributes ?? {};
  return {
    type: raw.Type ?? '',
    action: raw.Action ?? raw.status ?? '',
    id: raw.id ?? raw.Actor?.ID ?? '',
    name: attributes.name ?? '',
    attributes,
    timeMs: raw.timeNano ? raw.timeNano / 1e6 : (raw.time ?? 0) * 1000,
  };
};

/**
 * Resolves once podman has answered the request (events after that are delivered), rejects
 * when it cannot be opened or has not answered within `timeoutMs`: a podman that accepts the
 * connection and then says nothing must count as down, not leave the informer waiting.
 * `closing` gives up the wait at once (the runtime closes). `onDrop` is called once when the
 * connection ends on its own.
 */
export const openEventStream = async (
  docker: Docker,
  timeoutMs: number,
  onEvent: (event: PodmanEvent) => void,
  onDrop: (reason: string) => void,
  closing?: AbortSignal,
): Promise<EventStream> => {
  // Not AbortSignal.timeout: the signal stays bound to the response, so it must never fire once open.
  const opening = new AbortController();
  const timer = setTimeout(
    () => opening.abort(new Error(`podman did not open the event stream within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const closed = () => opening.abort(new Error('the runtime closed'));
  if (closing?.aborted) closed();
  closing?.addEventListener('abort', closed, { once: true });
  let stream: NodeJS.ReadableStream & { destroy(): void };
  try {
    stream = (await docker.getEvents({
      filters: { type: ['container', 'image'] },
      abortSignal: opening.signal,
    })) as NodeJS.ReadableStream & { destroy(): void };
  } catch (err) {
    throw opening.signal.aborted ? opening.signal.reason : err;
  } finally {
    clearTimeout(timer);
    closing?.removeEventListener('abort', closed);
  }
  let ended = false;
  let buffer = '';
  const drop = (reason: string) => {
    if (ended) return;
    ended = true;
    onDrop(reason);
  };
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const event = line.trim() ? parse(line) : undefined;
      if (event) onEvent(event);
    }
  });
  stream.on('error', (err: Error) => drop(err.message));
  stream.on('end', () => drop('stream ended'));
  stream.on('close', () => drop('connection closed'));
  return {
    close: () => {
      ended = true;
      stream.destroy();
    },
  };
};
