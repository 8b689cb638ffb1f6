/**
 * The admission policy applied again to the last good revision before a pass falls back on
 * it (the source is unreachable, or its newest revision was rejected). That revision was
 * admitted under the policy of its day; the operator may have narrowed the policy since, and
 * a fallback must not bring back what the policy now forbids. Its paths are resolved anew
 * each time, so a link placed since is seen too. Also one component's, right before its create.
 */

import type { ComponentSpec, Revision, ServiceSpec } from '../domain/spec.js';
import type { SpecError } from '../domain/spec-error.js';
import type { Admit } from '../validate/load.js';
import { serviceFileOf } from '../validate/service-file.js';

/** Every violation of the policy behind `admit` by `revision`, located by file and field (lines are not kept). */
export const recheckRevision = (admit: Admit, revision: Revision): Promise<SpecError[]> =>
  admit(
    revision.services.map((s) => ({
      file: s.file,
      service: serviceFileOf(s),
      at: () => ({ line: 0, column: 0 }),
    })),
  );

/**
 * The violations of one component's paths, resolved now (links followed): asked right before
 * its create, so a volume source turned into a link since the revision was admitted is not
 * handed to the runtime. One line each.
 */
export const recheckComponent = async (
  admit: Admit,
  node: string,
  spec: ComponentSpec,
): Promise<string[]> => {
  const service: ServiceSpec = {
    name: spec.service,
    node,
    active: true,
    dependsOn: [],
    components: [spec],
    file: `services/${spec.service}.toml`,
  };
  const violations = await recheckRevision(admit, { services: [service] });
  return violations.map(
    (e) =>
      `${e.path ? `${e.path}: ` : ''}${e.message}${e.rule ? ` (policy: ${e.rule.replace(/^admission\./, '')})` : ''}`,
  );
};
