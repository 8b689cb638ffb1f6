/**
 * What runs in a container, in spec terms, for `mcp adopt`: podman's inspect of the container
 * and of its image, translated. What the image itself sets (its environment, its command) is
 * left out, so a container made by hand from the same options as the spec compares equal.
 */
import type Docker from 'dockerode';
import type { RunningConfig } from '../../domain/observed.js';
import type { PortBinding, Protocol, VolumeMount } from '../../domain/spec.js';
import { deadline, type PodmanClient, TIMEOUT_MS } from './client.js';
import { statusOf, toMcpError } from './errors.js';

const ports = (bindings: Docker.PortMap | undefined): PortBinding[] =>
  Object.entries(bindings ?? {}).flatMap(([key, hosts]) => {
    const [port, protocol] = key.split('/');
    return (hosts ?? []).map((h: { HostIp?: string; HostPort?: string }) => ({
      hostIp: h.HostIp === '0.0.0.0' ? '' : (h.HostIp ?? ''),
      hostPort: Number(h.HostPort),
      containerPort: Number(port),
      protocol: (protocol ?? 'tcp') as Protocol,
    }));
  });

const volumes = (mounts: Docker.ContainerInspectInfo['Mounts']): VolumeMount[] =>
  (mounts ?? [])
    .filter((m) => m.Type === 'bind')
    .map((m) => ({ source: m.Source, target: m.Destination, readOnly: m.RW === false }));

/** Variables podman sets in every container unless told otherwise: not the spec's doing. */
const PODMAN_ENV = /^(HOME|HOSTNAME|TERM|container)=/;

/** The one user network the container is on, if any (podman's default network is none). */
const network = (info: Docker.ContainerInspectInfo): string | undefined =>
  Object.keys(info.NetworkSettings?.Networks ?? {}).find((n) => n !== 'podman' && n !== 'bridge');

export const inspectContainer = async (client: PodmanClient, id: string): Promise<RunningConfig> => {
  let info: Docker.ContainerInspectInfo;
  let image: Docker.ImageInspectInfo | undefined;
  try {
    info = await client.api.getContainer(id).inspect({ abortSignal: deadline(TIMEOUT_MS.mutate) });
    image = await client.api
      .getImage(info.Image)
      .inspect()
      .catch((err: unknown) => {
        if (statusOf(err) === 404) return undefined;
        throw err;
      });
  } catch (err) {
    throw toMcpError(err, `inspect ${id}`, { id });
  }
  const imageEnv = new Set(image?.Config?.Env ?? []);
  const cmd = info.Config.Cmd ?? [];
  const imageCmd = image?.Config?.Cmd ?? [];
  const user = info.Config.User;
  const net = network(info);
  return {
    id: info.Id,
    imageId: info.Image,
    ports: ports(info.HostConfig.PortBindings as Docker.PortMap | undefined),
    volumes: volumes(info.Mounts),
    env: (info.Config.Env ?? []).filter((e) => !imageEnv.has(e) && !PODMAN_ENV.test(e)),
    cmd: JSON.stringify(cmd) === JSON.stringify(imageCmd) ? [] : cmd,
    ...(user ? { user } : {}),
    ...(net ? { network: net } : {}),
  };
};
