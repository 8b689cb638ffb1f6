/**
 * `mcp validate`: checks a services directory the way an agent would before applying it,
 * and prints every error at once, one per line, so an operator fixes them in one go.
 */
import { resolve } from 'node:path';
import { McpError } from '../../domain/errors.js';
import { admitter } from '../../policy/admit.js';
import { formatSpecError, type LoadOptions, loadRevisionFromDir } from '../../spec/load.js';
import { parseCommandArgs } from '../args.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readPolicyFile } from '../policy-file.js';
import { style } from '../style.js';

/** Usage of `mcp validate`. */
export const help = `usage: mcp validate [DIR] [--json] [--policy FILE [--node NODE]]

Checks every service file of the services repository at DIR (default: the current
directory): DIR/services/*.toml, or DIR/*.toml when DIR has no services/ directory.
All errors are reported together, one per line on stderr:
  services/foo.toml:12:3 components[0].ports[1]: message
--json prints {"valid", "services", "components", "errors": [...]} on stdout instead.

--policy FILE also checks the admission policy of FILE, as an agent would before
accepting the revision: an agent config (its [admission] rules, for the services of its
node) or a file with only an [admission] table (for every service, or those of --node).
Paths are checked as written; the agent also resolves links and file types on the node.
Each violation names its rule: ... (policy: allowed_volume_roots)

exit codes: 0 valid, 1 invalid or against the policy, 66 no such directory,
64 bad usage, 78 invalid policy file.`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  policy: { type: 'string' },
  node: { type: 'string' },
} as const;

/** The admission step for --policy: paths as written, since CI is not the node. */
const policyOptions = async (
  file: string | undefined,
  node: string | undefined,
  cwd: string,
): Promise<LoadOptions> => {
  if (file === undefined) return {};
  const read = await readPolicyFile(resolve(cwd, file));
  return { admit: admitter(read.policy, { node: node ?? read.node, resolve: false }) };
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Runs `mcp validate`; the exit code says valid (0) or invalid (1). */
export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help, { max: 1 });
  const dir = resolve(ctx.cwd, positionals[0] ?? '.');
  const policy = typeof values.policy === 'string' ? values.policy : undefined;
  const node = typeof values.node === 'string' ? values.node : undefined;
  if (node !== undefined && policy === undefined)
    throw new McpError('USAGE', '--node needs --policy', { usage: help });
  const result = await loadRevisionFromDir(dir, await policyOptions(policy, node, ctx.cwd));
  const services = result.ok ? result.revision.services.length : 0;
  const components = result.ok ? result.revision.services.reduce((n, s) => n + s.components.length, 0) : 0;
  if (values.json === true) {
    ctx.out(
      JSON.stringify(
        {
          valid: result.ok,
          services,
          components,
          errors: result.ok ? [] : result.errors,
          warnings: result.ok ? (result.warnings ?? []) : [],
        },
        null,
        2,
      ),
    );
    return result.ok ? EXIT.ok : EXIT.invalid;
  }
  if (result.ok) {
    for (const w of result.warnings ?? []) ctx.err(`warning: ${w}`);
    ctx.out(`valid: ${plural(services, 'service')}, ${plural(components, 'component')}`);
    return EXIT.ok;
  }
  const { red } = style(ctx);
  const files = new Set(result.errors.map((e) => e.file)).size;
  ctx.err(result.errors.map((e) => red(formatSpecError(e))).join('\n'));
  ctx.err(`invalid: ${plural(result.errors.length, 'error')} in ${plural(files, 'file')}`);
  return EXIT.invalid;
}
