/** Shared shapes of the spec loader, re-exported by load.ts. */
import type { ServiceFile } from '../generated/service.js';
import type { Position } from './locate.js';

export type { SourceFile, SpecError, UncheckedFile } from '../domain/spec-error.js';

/** A segment path into a parsed document: keys and array indices. */
export type KeyPath = readonly (string | number)[];

/** A service file as one node runs it: `node` is that one node, its variables replaced. */
export type NodeService = Omit<ServiceFile, 'node'> & { node: string };

/**
 * A schema-valid file for one of its nodes, kept with a locator into its text for semantic
 * errors, and the variables each component's fields used (component index -> field -> reference -> value).
 */
export interface LoadedFile {
  file: string;
  service: NodeService;
  at: (path: KeyPath) => Position;
  vars?: ReadonlyMap<number, ReadonlyMap<string, ReadonlyMap<string, string>>>;
}
