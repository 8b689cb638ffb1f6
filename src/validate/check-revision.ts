/**
 * Checks across the files of a revision: unique service and instance names, service
 * dependencies, port conflicts.
 */

import { findCycles, formatCycle } from '../domain/cycles.js';
import { checkInstanceNames } from './check-instance-names.js';
import { checkPortConflicts } from './check-ports.js';
import { problem } from './problem.js';
import type { LoadedFile, SpecError } from './types.js';

function checkUniqueNames(files: readonly LoadedFile[]): SpecError[] {
  const seen = new Map<string, LoadedFile>();
  const errors: SpecError[] = [];
  for (const f of files) {
    const first = seen.get(f.service.name);
    // One file for several nodes is one definition, loaded once per node.
    if (first?.file === f.file) continue;
    if (first)
      errors.push(problem(f, ['name'], `service '${f.service.name}' is also defined in ${first.file}`));
    else seen.set(f.service.name, f);
  }
  return errors;
}

function checkDependencies(files: readonly LoadedFile[], known: ReadonlySet<string>): SpecError[] {
  const errors: SpecError[] = [];
  for (const f of files) {
    (f.service.depends_on ?? []).forEach((dep, k) => {
      if (!known.has(dep)) errors.push(problem(f, ['depends_on', k], `depends on unknown service '${dep}'`));
    });
  }
  const byName = new Map(files.map((f) => [f.service.name, f]));
  const graph = new Map(files.map((f) => [f.service.name, f.service.depends_on ?? []]));
  for (const cycle of findCycles(graph)) {
    const f = byName.get(cycle[0])!;
    errors.push(
      problem(f, ['depends_on', (f.service.depends_on ?? []).indexOf(cycle[1])], formatCycle(cycle)),
    );
  }
  return errors;
}

/**
 * Every cross-file problem of the schema-valid files. `known` holds the names of every
 * service file of the revision, valid or not, so a broken file is not also reported missing.
 */
export function checkRevision(files: readonly LoadedFile[], known: ReadonlySet<string>): SpecError[] {
  return [
    ...checkUniqueNames(files),
    ...checkInstanceNames(files),
    ...checkDependencies(files, known),
    ...checkPortConflicts(files),
  ];
}
