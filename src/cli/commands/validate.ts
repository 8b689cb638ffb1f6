/**
 * `mcp validate`: checks a services directory the way an agent would before applying it,
 * and prints every error at once, one per line, so an operator fixes them in one go.
 */
import { resolve } from 'node:path';
import { loadRevisionFromDir } from '../../adapters/dir/load.js';
import { McpError } from '../../domain/errors.js';
import { formatSpecError } from '../../domain/spec-error.js';
import { style } from '../../render/style.js';
import { parseCommandArgs } from '../args.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { cliAdmission } from '../policy-file.js';
import { uncheckedLines, uncheckedOf } from '../unchecked.js';

/** Usage of `mcp validate`. */
export const help = `usage: mcp validate [DIR] [--json] [--policy FILE | --no-policy] [--node NODE]

Checks every service file of the services repository at DIR (default: the current
directory): DIR/services/*.toml, or DIR/*.toml when DIR has no services/ directory.
All errors are reported together, one per line on stderr:
  services/foo.toml:12:3 components[0].ports[1]: message
--json prints {"valid", "services", "components", "errors": [...]} on stdout instead.

Service files may use \${node.name}, \${var.NAME} and \${var.NAME:-default}: each file is
checked once per node it names, with the repository's values (nodes/<node>.toml). A file
that needs a variable only the node's agent knows (its own [vars]) is not checked for that
node, and a note names the variable and where it is used; the agent reports it as an error
if it has no value either. --node NODE limits these notes to NODE's files.

The services are also checked against an admission policy, as an agent would before
accepting the revision: by default the policy every agent has when its config sets none
(it says so in one line: "checked against the default admission policy; --policy FILE for
a node's own"). --policy FILE checks FILE's instead: an agent config (its [admission]
rules, for the services of its node) or a file with only an [admission] table (for every
service, or those of --node). --no-policy checks the schema alone. Paths are checked as
written; the agent also resolves links and file types on the node. Each violation names
its rule: ... (policy: allowed_volume_roots)

exit codes: 0 valid, 1 invalid or against the policy, 66 no such directory,
64 bad usage, 78 invalid policy file.`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  policy: { type: 'string' },
  'no-policy': { type: 'boolean', default: false },
  node: { type: 'string' },
} as const;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Runs `mcp validate`; the exit code says valid (0) or invalid (1). */
export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help, { max: 1 });
  const dir = resolve(ctx.cwd, positionals[0] ?? '.');
  const policy = typeof values.policy === 'string' ? resolve(ctx.cwd, values.policy) : undefined;
  const node = typeof values.node === 'string' ? values.node : undefined;
  const noPolicy = values['no-policy'] === true;
  if (noPolicy && policy !== undefined)
    throw new McpError('USAGE', '--policy and --no-policy exclude each other', { usage: help });
  const admission = await cliAdmission({ policy, node, noPolicy });
  const result = await loadRevisionFromDir(dir, admission.load);
  const unchecked = result.ok ? uncheckedOf(result.unchecked, node) : [];
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
          unchecked,
          policy: noPolicy ? 'none' : (policy ?? 'default'),
        },
        null,
        2,
      ),
    );
    return result.ok ? EXIT.ok : EXIT.invalid;
  }
  if (result.ok) {
    for (const w of result.warnings ?? []) ctx.err(`warning: ${w}`);
    for (const line of uncheckedLines(unchecked)) ctx.err(`note: ${line}`);
    ctx.out(`valid: ${plural(services, 'service')}, ${plural(components, 'component')}`);
    if (admission.note) ctx.out(admission.note);
    return EXIT.ok;
  }
  const { red } = style(ctx);
  const files = new Set(result.errors.map((e) => e.file)).size;
  ctx.err(result.errors.map((e) => red(formatSpecError(e))).join('\n'));
  ctx.err(`invalid: ${plural(result.errors.length, 'error')} in ${plural(files, 'file')}`);
  if (admission.note) ctx.err(admission.note);
  return EXIT.invalid;
}
