/** Shared shapes of the spec loader, re-exported by load.ts. */
import type { ServiceFile } from '../generated/service.js';
import type { Position } from './locate.js';

/** One problem in one file of a revision, located as precisely as the loader can. */
export interface SpecError {
  file: string;
  line?: number;
  column?: number;
  /** Where in the document, e.g. `components[0].ports[1]`; '' for the file as a whole. */
  path: string;
  message: string;
  hint?: string;
  /** The admission rule broken, e.g. `admission.allowed_volume_roots`; absent for format errors. */
  rule?: string;
}

/** One file of the services repository; path relative to the repository root. */
export interface SourceFile {
  path: string;
  text: string;
}

/** A segment path into a parsed document: keys and array indices. */
export type KeyPath = readonly (string | number)[];

/** A schema-valid file, kept with a locator into its text for semantic errors. */
export interface LoadedFile {
  file: string;
  service: ServiceFile;
  at: (path: KeyPath) => Position;
}
