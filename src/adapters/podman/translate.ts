/**
 * Podman's list answers in MCP's words: containers as ObservedInstance, images as an index
 * from every reference they answer to to their id.
 */
import type Docker from 'dockerode';
import type { InstanceState, ObservedInstance } from '../../domain/observed.js';
import type { ListedContainer } from './list.js';

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

/** One entry of podman's container list as observed state (image ids as the image list spells them). */
export const toInstance = (c: ListedContainer): ObservedInstance => ({
  id: c.Id,
  name: (c.Names?.[0] ?? '').replace(/^\//, ''),
  kind: 'container',
  state: toState(c.State),
  image: c.Image ?? '',
  imageId: c.ImageID ? (c.ImageID.startsWith('sha256:') ? c.ImageID : `sha256:${c.ImageID}`) : undefined,
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

/** The registry a reference names (`127.0.0.1:5000`, `docker.io`), or undefined for a bare local name. */
export const registryOf = (ref: string): string | undefined => {
  const full = refVariants(ref).at(-1) ?? ref;
  return full.includes('/') ? full.split('/')[0] : undefined;
};

/** The repository forms of `ref` (no tag, no digest), as podman stores them. */
const repositories = (ref: string): string[] =>
  refVariants(ref).map((form) => {
    const at = form.indexOf('@');
    const bare = at >= 0 ? form.slice(0, at) : form;
    const colon = bare.lastIndexOf(':');
    return colon > bare.lastIndexOf('/') ? bare.slice(0, colon) : bare;
  });

/**
 * The manifest digests podman knows for image `id` in the repository of `ref`, from the index
 * (no API call). Usually one; an image pushed from this node's own store has two (its local
 * manifest's and the one the registry holds).
 */
export const repoDigests = (index: Map<string, string>, ref: string, id: string): string[] =>
  digestsOf(
    [...index].filter(([, value]) => value === id).map(([key]) => key),
    ref,
  );

/** The digests of `repo@digest` references (an image's RepoDigests) that are in `ref`'s repository. */
export const digestsOf = (refs: readonly string[], ref: string): string[] => {
  const repos = new Set(repositories(ref));
  const digests = new Set<string>();
  for (const key of refs) {
    const at = key.indexOf('@');
    if (at > 0 && repos.has(key.slice(0, at))) digests.add(key.slice(at + 1));
  }
  return [...digests].sort();
};
