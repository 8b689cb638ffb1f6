/** Shared shapes of the spec loader, re-exported by load.ts. */
import type { ServiceFile } from '../generated/service.js';
import type { Position } from './locate.js';

export type { SourceFile, SpecError } from '../domain/spec-error.js';

/** A segment path into a parsed document: keys and array indices. */
export type KeyPath = readonly (string | number)[];

/** A schema-valid file, kept with a locator into its text for semantic errors. */
export interface LoadedFile {
  file: string;
  service: ServiceFile;
  at: (path: KeyPath) => Position;
}
