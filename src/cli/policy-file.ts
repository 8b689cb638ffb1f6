/**
 * The admission policy `mcp validate`, `mcp plan` and `mcp deploy` check against: by default
 * the one every agent has when its config sets none; with `--policy FILE` a node's agent
 * config (its `[admission]`, for its node's services) or a file holding only an
 * `[admission]` table (for every service), missing rules taking the defaults; with
 * `--no-policy` none (the schema alone).
 */
import schema from '../../schema/agent.schema.json' with { type: 'json' };
import type { AdmissionPolicy } from '../domain/admission.js';
import { admitter } from '../policy/admit.js';
import { defaultAdmissionPolicy, defaultProtectedPaths } from '../policy/defaults.js';
import { admissionPolicy, parseAgentConfig } from '../validate/agent-config.js';
import { configParser } from '../validate/config-compile.js';
import { readConfigFile } from '../validate/config-file.js';
import type { LoadOptions } from '../validate/load.js';
import { parseToml } from '../validate/parse.js';

const policyOnly = configParser<{ admission: AdmissionPolicy }>('admission policy', {
  type: 'object',
  additionalProperties: false,
  properties: { admission: schema.properties.admission },
});

/** The policy in `path`, and the node it is for when the file is an agent config. */
export async function readPolicyFile(
  path: string,
): Promise<{ policy: AdmissionPolicy; node?: string; protectedPaths: string[] }> {
  const text = await readConfigFile(path);
  const parsed = parseToml(path, text);
  const isAgentConfig = parsed.ok && typeof (parsed.value as { node?: unknown }).node === 'string';
  if (isAgentConfig) {
    const config = parseAgentConfig(path, text);
    return {
      policy: admissionPolicy(config),
      node: config.node,
      protectedPaths: [config.podman.socket, config.state_dir],
    };
  }
  return { policy: policyOnly(path, text).admission, protectedPaths: defaultProtectedPaths() };
}

/** The one line that says a check used the default policy, so nobody takes it for a node's own. */
export const DEFAULT_POLICY_NOTE =
  "checked against the default admission policy; --policy FILE for a node's own";

/**
 * The admission step of a CLI check, paths as written (CI is not the node), and the line to
 * print about it (none for --policy FILE or --no-policy).
 */
export const cliAdmission = async (opts: {
  policy?: string;
  node?: string;
  noPolicy?: boolean;
}): Promise<{ load: LoadOptions; note?: string }> => {
  if (opts.noPolicy) return { load: {} };
  if (opts.policy !== undefined) {
    const read = await readPolicyFile(opts.policy);
    const node = opts.node ?? read.node;
    return {
      load: { admit: admitter(read.policy, { node, resolve: false, protectedPaths: read.protectedPaths }) },
    };
  }
  const admit = admitter(defaultAdmissionPolicy(), {
    node: opts.node,
    resolve: false,
    protectedPaths: defaultProtectedPaths(),
  });
  return { load: { admit }, note: DEFAULT_POLICY_NOTE };
};
