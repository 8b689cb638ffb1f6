/** Instance name clashes: two components of the fleet that would get one container name. */
import { instanceName } from '../domain/spec.js';
import { problem } from './problem.js';
import type { LoadedFile, SpecError } from './types.js';

/**
 * Containers are named `<service>-<component>`, so `foo` + `bar-api` and `foo-bar` + `api`
 * would fight over `foo-bar-api`. Checked fleet-wide, inactive services included: a service
 * may move to another node or be activated without making the revision invalid. A service
 * defined twice, and a component defined twice in one service, are reported elsewhere.
 */
export function checkInstanceNames(files: readonly LoadedFile[]): SpecError[] {
  const seen = new Map<string, { f: LoadedFile; i: number }>();
  const services = new Map<string, string>();
  const errors: SpecError[] = [];
  for (const f of files) {
    // A file for several nodes is loaded once per node: its copies are one definition.
    if ((services.get(f.service.name) ?? f.file) !== f.file) continue;
    services.set(f.service.name, f.file);
    f.service.components.forEach((c, i) => {
      const name = instanceName({ service: f.service.name, name: c.name });
      const first = seen.get(name);
      if (!first) seen.set(name, { f, i });
      else if (first.f.file !== f.file) {
        const path = ['components', i, 'name'];
        const owner = `${first.f.service.name}/${first.f.service.components[first.i].name}`;
        const where = `${first.f.file}:${first.f.at(['components', first.i, 'name']).line}`;
        errors.push(
          problem(
            f,
            path,
            `instance name '${name}' is also produced by ${owner} (${where})`,
            'containers are named <service>-<component>: rename the service or the component',
          ),
        );
      }
    });
  }
  return errors;
}
