/** Checks within one service file: its name, its components' names and their dependencies. */

import { findCycles, formatCycle } from '../domain/cycles.js';
import { checkComponent } from './check-component.js';
import { problem } from './problem.js';
import type { LoadedFile, SpecError } from './types.js';

const baseName = (file: string): string => file.slice(file.lastIndexOf('/') + 1).replace(/\.toml$/, '');

function checkName(f: LoadedFile): SpecError[] {
  const expected = baseName(f.file);
  if (f.service.name === expected) return [];
  const dir = f.file.slice(0, f.file.length - expected.length - '.toml'.length);
  return [
    problem(
      f,
      ['name'],
      `name '${f.service.name}' does not match the file name '${expected}.toml'`,
      `rename the file to ${dir}${f.service.name}.toml, or set name = "${expected}"`,
    ),
  ];
}

function checkComponentNames(f: LoadedFile): SpecError[] {
  const seen = new Map<string, number>();
  const errors: SpecError[] = [];
  f.service.components.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first === undefined) seen.set(c.name, i);
    else
      errors.push(
        problem(
          f,
          ['components', i, 'name'],
          `component '${c.name}' is defined twice (also components[${first}])`,
        ),
      );
  });
  return errors;
}

function checkComponentDependencies(f: LoadedFile): SpecError[] {
  const components = f.service.components;
  const index = new Map(components.map((c, i) => [c.name, i]));
  const errors: SpecError[] = [];
  components.forEach((c, i) => {
    (c.depends_on ?? []).forEach((dep, k) => {
      if (components[index.get(dep) ?? -1]?.kind === 'job')
        errors.push(
          problem(
            f,
            ['components', i, 'depends_on', k],
            `depends on job '${dep}', which does not keep running`,
            'a pre-deploy job already runs before the change, a post-deploy one after it',
          ),
        );
      if (!index.has(dep)) {
        errors.push(
          problem(
            f,
            ['components', i, 'depends_on', k],
            `depends on unknown component '${dep}'`,
            `components of ${f.service.name}: ${components.map((x) => x.name).join(', ')}`,
          ),
        );
      }
    });
  });
  const graph = new Map(components.map((c) => [c.name, c.depends_on ?? []]));
  for (const cycle of findCycles(graph)) {
    const i = index.get(cycle[0])!;
    const k = (components[i].depends_on ?? []).indexOf(cycle[1]);
    errors.push(problem(f, ['components', i, 'depends_on', k], formatCycle(cycle)));
  }
  return errors;
}

/** Every problem of one schema-valid service file that needs no other file to see. */
export function checkService(f: LoadedFile): SpecError[] {
  return [
    ...checkName(f),
    ...checkComponentNames(f),
    ...checkComponentDependencies(f),
    ...f.service.components.flatMap((_, i) => checkComponent(f, i)),
  ];
}
