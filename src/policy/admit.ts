/**
 * The admission policy as a step of loading a revision: resolve the revision's paths on this
 * node, then check them and everything else against the rules. Loaders take it as `admit`.
 */

import type { AdmissionPolicy } from '../domain/admission.js';
import type { Admit } from '../validate/load.js';
import { checkAdmission, pathsToResolve } from './check.js';
import { resolvePaths } from './resolve.js';

export interface AdmitOptions {
  /** Check only this node's services (the agent); all services when undefined. */
  node?: string;
  /** Paths no volume may be, hold or sit in: the podman socket, the agent's state directory. */
  protectedPaths?: readonly string[];
  /** Resolve paths on this machine (the agent); false checks them as written (CI). */
  resolve?: boolean;
}

/** An `admit` step for the loaders that enforces `policy`. */
export const admitter =
  (policy: AdmissionPolicy, opts: AdmitOptions = {}): Admit =>
  async (files) => {
    const guarded = opts.protectedPaths ?? [];
    const paths = pathsToResolve(files, policy, opts.node);
    // Resolutions serve only the files' own paths (volumes, VM images): without any, the
    // roots and protected paths are not looked up (a create of such a component costs no I/O).
    const own = paths.length > policy.allowed_volume_roots.length + policy.allowed_image_roots.length;
    const resolved = opts.resolve === false || !own ? new Map() : await resolvePaths([...paths, ...guarded]);
    return checkAdmission(files, policy, {
      node: opts.node,
      resolved,
      protectedPaths: guarded.map((p) => resolved.get(p)?.real ?? p),
    });
  };
