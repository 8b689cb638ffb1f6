/**
 * One full list of what podman has, in our words: every container (running or not) and the
 * local image index, asked in parallel under one deadline. The informer decides what the
 * answer may replace (cache.ts); this only asks.
 */
import type { ObservedInstance } from '../../domain/observed.js';
import { deadline, type PodmanClient, TIMEOUT_MS } from './client.js';
import { listContainers } from './list.js';
import { indexImages, toInstance } from './translate.js';

/** Everything podman lists, translated. */
export interface FullList {
  containers: ObservedInstance[];
  images: Map<string, string>;
  imageCount: number;
}

export const listAll = async (client: PodmanClient): Promise<FullList> => {
  const signal = deadline(TIMEOUT_MS.list);
  const [containers, images] = await Promise.all([
    listContainers(client, signal),
    client.api.listImages({ abortSignal: signal }),
  ]);
  return { containers: containers.map(toInstance), images: indexImages(images), imageCount: images.length };
};
