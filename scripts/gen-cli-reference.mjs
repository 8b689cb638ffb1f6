// Writes docs/reference/cli.md from the help the built commands print (`mcp help NAME`,
// `mcp NAME SUB --help`, `mcp-agent --help`), so the page and --help cannot disagree.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CLI = 'dist/src/cli/main.js';
const AGENT = 'dist/src/agent/main.js';

/** What `mcp ...argv` prints, run in-process through the CLI's own main(). */
const mcp = async (main, argv) => {
  const lines = [];
  const keep = (text) => lines.push(text.replace(/\n$/, ''));
  const code = await main(argv, {
    cwd: process.cwd(),
    env: {},
    out: keep,
    err: keep,
    color: false,
    tty: false,
  });
  if (code !== 0) throw new Error(`mcp ${argv.join(' ')} exited ${code}: ${lines.join('\n')}`);
  return lines.join('\n');
};

const block = (text) => ['```text', text, '```'].join('\n');
const section = (level, id, title, text) =>
  [`<a id="${id}"></a>`, '', `${'#'.repeat(level)} \`${title}\``, '', block(text)].join('\n');

/** The CLI reference page, as [path, text] pairs for gen.mjs to write or compare. */
export const cliReference = async () => {
  if (!existsSync(CLI) || !existsSync(AGENT))
    throw new Error(`docs/reference/cli.md is made from the built commands: run npm run build first`);
  const { main, COMMANDS } = await import(new URL(`../${CLI}`, import.meta.url).href);
  const index = Object.entries(COMMANDS).map(
    ([name, summary]) => `| [\`mcp ${name}\`](#mcp-${name}) | ${summary} |`,
  );
  const sections = [];
  for (const name of Object.keys(COMMANDS)) {
    sections.push(section(2, `mcp-${name}`, `mcp ${name}`, await mcp(main, ['help', name])));
    const { subcommands = [] } = await import(
      new URL(`../dist/src/cli/commands/${name}.js`, import.meta.url).href
    );
    for (const sub of subcommands)
      sections.push(
        section(3, `mcp-${name}-${sub}`, `mcp ${name} ${sub}`, await mcp(main, [name, sub, '--help'])),
      );
  }
  const agentHelp = execFileSync(process.execPath, [AGENT, '--help'], { encoding: 'utf8' }).replace(
    /\n$/,
    '',
  );
  const text = [
    '<!-- Generated from the commands’ help by `npm run gen` (scripts/gen-cli-reference.mjs). Do not edit. -->',
    '# Command line',
    'Every section is what the command prints for `--help`; the [exit codes](#exit-codes) are those of `mcp help exit-codes`. The files the commands read are described in [mcp-toml.md](mcp-toml.md) (`mcp`) and [agent-config.md](agent-config.md) (`mcp-agent`).',
    [
      '| Command | What it does |',
      '| --- | --- |',
      ...index,
      '| [`mcp-agent`](#mcp-agent) | the agent of one node (its own program) |',
    ].join('\n'),
    section(2, 'mcp', 'mcp', await mcp(main, ['help'])),
    ...sections,
    [
      '<a id="exit-codes"></a>',
      '',
      '## Exit codes of `mcp`',
      '',
      await mcp(main, ['help', 'exit-codes']),
    ].join('\n'),
    section(2, 'mcp-agent', 'mcp-agent', agentHelp),
  ].join('\n\n');
  return [['docs/reference/cli.md', `${text}\n`]];
};
