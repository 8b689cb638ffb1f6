/**
 * The admission policy `mcp validate --policy FILE` checks against: a node's agent config
 * (its `[admission]`, for its node's services), or a file holding only an `[admission]`
 * table (for every service). Missing rules take the agent's defaults.
 */
import schema from '../../schema/agent.schema.json' with { type: 'json' };
import { admissionPolicy, parseAgentConfig } from '../agent/config.js';
import type { AdmissionPolicy } from '../policy/types.js';
import { configParser } from '../spec/config-compile.js';
import { readConfigFile } from '../spec/config-file.js';
import { parseToml } from '../spec/parse.js';

const policyOnly = configParser<{ admission: AdmissionPolicy }>('admission policy', {
  type: 'object',
  additionalProperties: false,
  properties: { admission: schema.properties.admission },
});

/** The policy in `path`, and the node it is for when the file is an agent config. */
export async function readPolicyFile(path: string): Promise<{ policy: AdmissionPolicy; node?: string }> {
  const text = await readConfigFile(path);
  const parsed = parseToml(path, text);
  const isAgentConfig = parsed.ok && typeof (parsed.value as { node?: unknown }).node === 'string';
  if (isAgentConfig) {
    const config = parseAgentConfig(path, text);
    return { policy: admissionPolicy(config), node: config.node };
  }
  return { policy: policyOnly(path, text).admission };
}
