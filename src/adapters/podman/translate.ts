/**
 * Podman's list answers in MCP's words: containers as ObservedInstance, images as an index
 * from every reference they answer to to their id.
 */
import type Docker from 'dockerode';
import type { InstanceState, ObservedInstance } from '../../domain/observed.js';

const STATES: Record<string, InstanceState> = {
  running: 'running',
  created: 'created',
  configured: 'created',
  initialized: 'created',
  exited: 'exited',
  stopped: 'exited',
  dead: 'exited',
  paused: 'paused',
  stopping: 'stopping',
  removing: 'stopping',
  restarting: 'running',
};

/** Podman's state word (compat or libpod spelling) as an InstanceState. */
export const toState = (state: string | undefined): InstanceState =>
  STATES[(state ?? '').toLowerCase()] ?? 'unknown';

/** One entry of `GET /containers/json` as observed state. */
export const toInstance = (c: Docker.ContainerInfo): ObservedInstance => ({
  id: c.Id,
  name: (c.Names?.[0] ?? '').replace(/^\//, ''),
  kind: 'container',
  state: toState(c.State),
  image: c.Image,
  imageId: c.ImageID || undefined,
  labels: { ...(c.Labels ?? {}) },
});

/**
 * The forms a reference may be written in, as podman stores them: `busybox` is
 * `docker.io/library/busybox:latest`, `foo/bar:1` is `docker.io/foo/bar:1`.
 */
export const refVariants = (ref: string): string[] => {
  const digest = ref.includes('@');
  const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
  const tagged = digest || lastSegment.includes(':') ? ref : `${ref}:latest`;
  const first = tagged.split('/')[0];
  const hasDomain =
    tagged.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain) return [...new Set([ref, tagged])];
  const full = tagged.includes('/') ? `docker.io/${tagged}` : `docker.io/library/${tagged}`;
  return [...new Set([ref, tagged, full])];
};

/** Every tag and digest reference of the local images -> image id. */
export const indexImages = (images: Docker.ImageInfo[]): Map<string, string> => {
  const index = new Map<string, string>();
  for (const image of images) {
    for (const ref of [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])]) {
      if (!ref.includes('<none>')) index.set(ref, image.Id);
    }
  }
  return index;
};

/** Looks `ref` up in an index made by indexImages, trying the forms podman may store it in. */
export const lookupImage = (index: Map<string, string>, ref: string): string | undefined => {
  for (const form of refVariants(ref)) {
    const id = index.get(form);
    if (id) return id;
  }
  return undefined;
};
