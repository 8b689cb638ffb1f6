/** Which instances each instance of a node waits for: the basis of "a failure blocks its dependents". */
import { instanceName, type ServiceSpec } from '../domain/spec.js';

/** instance name -> names of the instances (on `node`) it depends on, directly. */
export const instanceDependencies = (
  services: readonly ServiceSpec[],
  node: string,
): Map<string, string[]> => {
  const onNode = new Map(services.filter((s) => s.node === node).map((s) => [s.name, s]));
  const deps = new Map<string, string[]>();
  for (const svc of onNode.values()) {
    const fromServices = svc.dependsOn.flatMap((d) => onNode.get(d)?.components.map(instanceName) ?? []);
    for (const c of svc.components) {
      const fromComponents = c.dependsOn.map((d) => instanceName({ service: svc.name, name: d }));
      deps.set(instanceName(c), [...fromServices, ...fromComponents]);
    }
  }
  return deps;
};
