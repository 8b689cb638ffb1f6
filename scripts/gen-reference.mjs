// Writes docs/reference/{service-file,agent-config,mcp-toml}.md from schema/*.schema.json: one
// section per TOML table, one row per key with its type, bounds, pattern, default, description
// and examples, so the reference says exactly what the validators accept.
import { readFile } from 'node:fs/promises';

const PAGES = [
  {
    out: 'docs/reference/service-file.md',
    title: 'Service files',
    intro:
      'The services repository holds `services/<name>.toml` (one service each) and, optionally, `nodes/<node>.toml` (the variables of one node). The agent’s own configuration is in [agent-config.md](agent-config.md); the operator’s `mcp` configuration in [mcp-toml.md](mcp-toml.md). Examples: [examples/services](../../examples/services).',
    parts: [
      { schema: 'service', file: 'services/<name>.toml' },
      {
        schema: 'node',
        file: 'nodes/<node>.toml',
        note: 'Values here are overridden by those the agent marks local in its [`vars`](agent-config.md#vars).',
      },
    ],
  },
  {
    out: 'docs/reference/agent-config.md',
    title: 'Agent configuration',
    intro:
      'The file [`mcp-agent run --config FILE`](cli.md#mcp-agent) reads. Relative paths of what the agent keeps or reads (`state_dir`, and the files of `[source]`, `[secrets]`, `[api]` and `[[notify]]`) are resolved against its directory. The services it runs are described in [service-file.md](service-file.md). A complete example: [examples/agent/mcp-agent.toml](../../examples/agent/mcp-agent.toml).',
    parts: [{ schema: 'agent', file: 'mcp-agent.toml' }],
  },
  {
    out: 'docs/reference/mcp-toml.md',
    title: 'mcp.toml (the CLI’s configuration)',
    intro:
      'The [`mcp`](cli.md) command reads `--config FILE`, else `$MCP_CONFIG`, else `$XDG_CONFIG_HOME/mcp/mcp.toml` (default `~/.config/mcp/mcp.toml`). Paths in it starting with `~/` are under `$HOME`, other relative ones under the file’s directory. The agents it talks to are configured by [agent-config.md](agent-config.md). An example: [examples/cli/mcp.toml](../../examples/cli/mcp.toml).',
    parts: [{ schema: 'cli', file: 'mcp.toml' }],
  },
];

const BANNER = '<!-- Generated from schema/ by `npm run gen` (scripts/gen-reference.mjs). Do not edit. -->';

/** A TOML value, inline: what an operator would write after `key = `. */
const toml = (v) => {
  if (Array.isArray(v)) return `[${v.map(toml).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k} = ${toml(x)}`)
      .join(', ')} }`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
};

/** Prose for a table cell: `<` escaped outside code spans, `|` escaped everywhere. */
const cell = (text) =>
  text
    .split('`')
    .map((part, i) => (i % 2 ? part : part.replace(/</g, '&lt;')))
    .join('`')
    .replace(/\|/g, '\\|');

const code = (text) => `\`${text}\``;

/** Mentions of the agent's keys (`[admission] allowed_networks`, `source.url`) as links to agent-config.md. */
const AGENT_KEY = /\[(admission|images|qemu|policy|api)\] ([a-z_]+)|\b(secrets|source|api)\.([a-z_]+)\b/g;
const linkAgentKeys = (text, page, known) =>
  text.replace(AGENT_KEY, (all, t1, k1, t2, k2) => {
    const id = `${t1 ?? t2}.${k1 ?? k2}`;
    return known.has(id) ? `[${code(all)}](${page}#${id})` : all;
  });

const anchor = (id) => `<a id="${id}"></a>`;

/** Renders one schema file into sections; `refs` are its definitions. */
const renderPart = (schema, file, note, agentPage, agentKeys = new Set()) => {
  const defs = schema.definitions ?? {};
  const formats = new Set();
  const resolve = (s) => (s.$ref ? { ...defs[s.$ref.split('/').pop()], ...s, $ref: undefined } : s);
  const isTable = (s) => s && resolve(s).type === 'object' && resolve(s).properties;
  const sections = [];

  const limits = (s) => {
    const out = [];
    if (s.minimum !== undefined && s.maximum !== undefined) out.push(`${s.minimum}–${s.maximum}`);
    else if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
    else if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
    if (s.minLength) out.push('not empty');
    if (s.minItems) out.push(`at least ${s.minItems}`);
    if (s.uniqueItems) out.push('no repeats');
    if (s.pattern) out.push(`pattern ${code(s.pattern)}`);
    return out;
  };
  const bounds = (s) => (limits(s).length ? ` (${limits(s).join(', ')})` : '');

  /** The type of `s` in words; a table inside it gets a section of its own at `path`. */
  const typeOf = (s, path, array = false, about = undefined) => {
    if (s.$ref && !isTable(s)) {
      const name = s.$ref.split('/').pop();
      formats.add(name);
      return `[${code(name)}](#format-${name})`;
    }
    if (isTable(s)) {
      const table = resolve(s);
      sections.push([path, { ...table, description: table.description ?? about }, array]);
      return `${array ? 'array of tables' : 'table'}, see [${code(header(path, array))}](#${path})`;
    }
    if (s.anyOf) return s.anyOf.map((b) => typeOf(b, path)).join(' or ');
    if (s.enum) return `one of ${s.enum.map((v) => code(toml(v))).join(', ')}`;
    if (s.type === 'array') {
      const item = typeOf(s.items, path, true, s.description);
      const array = isTable(s.items) ? '' : s.items.enum ? 'array, each ' : 'array of ';
      return [`${array}${item}`, ...limits(s)].join('; ');
    }
    if (s.type === 'object') {
      const key = s.propertyNames?.pattern
        ? ` (${code('NAME')} matching ${code(s.propertyNames.pattern)})`
        : '';
      return `table of ${code('NAME = …')}${key}, each ${typeOf(s.additionalProperties, `${path}.NAME`)}`;
    }
    return `${s.type}${bounds(s)}`;
  };

  const header = (path, array) => (array ? `[[${path}]]` : `[${path}]`);

  const row = (path, key, s, required) => {
    const def = s.default === undefined || (typeof s.default === 'object' && !Array.isArray(s.default));
    const defText = required ? '**required**' : def ? '' : code(toml(s.default));
    const examples = (s.examples ?? []).map((e) => cell(code(`${key} = ${toml(e)}`))).join('<br>');
    const id = path ? `${path}.${key}` : key;
    const own = isTable(s) || (s.type === 'array' && isTable(s.items)) ? '' : anchor(id);
    return `| ${own}${code(key)} | ${cell(typeOf(s, id))} | ${defText} | ${linkAgentKeys(cell(s.description ?? ''), agentPage, agentKeys)} | ${examples} |`;
  };

  const table = (path, s, array) => {
    const lines = [];
    if (path) lines.push(`${anchor(path)}`, '', `## ${code(header(path, array))}`, '');
    else lines.push(`## ${code(file)}`, '');
    if (s.description) lines.push(s.description.replace(/</g, '&lt;'), '');
    if (!path && note) lines.push(note, '');
    lines.push('| Key | Type | Default | Meaning | Example |', '| --- | --- | --- | --- | --- |');
    for (const [key, p] of Object.entries(s.properties))
      lines.push(row(path, key, p, (s.required ?? []).includes(key)));
    for (const e of s.examples ?? [])
      lines.push(
        '',
        '```toml',
        ...(path ? [header(path, array)] : []),
        ...Object.entries(e).map(([k, v]) => `${k} = ${toml(v)}`),
        '```',
      );
    return lines.join('\n');
  };

  const out = [table('', schema, false)];
  for (let i = 0; i < sections.length; i++) out.push(table(...sections[i]));
  if (formats.size) {
    const rows = [...formats].map((name) => {
      const s = defs[name];
      return `| ${anchor(`format-${name}`)}${code(name)} | ${cell(`${s.type}${bounds(s)}`)} | ${cell(s.description ?? '')} | ${(s.examples ?? []).map((e) => cell(code(toml(e)))).join('<br>')} |`;
    });
    out.push(
      `## Formats of ${code(file)}`,
      ['| Format | Type | Meaning | Example |', '| --- | --- | --- | --- |', ...rows].join('\n'),
    );
  }
  return out.join('\n\n');
};

/** The reference pages, as [path, text] pairs for gen.mjs to write or compare. */
export const references = async () => {
  const pages = [];
  const read = async (name) =>
    JSON.parse(await readFile(new URL(`../schema/${name}.schema.json`, import.meta.url), 'utf8'));
  const agentIds = renderPart(await read('agent'), '', '', '').matchAll(/<a id="([^"]+)">/g);
  const agentKeys = new Set([...agentIds].map((m) => m[1]));
  for (const page of PAGES) {
    const parts = [];
    for (const { schema, file, note } of page.parts)
      parts.push(
        renderPart(
          await read(schema),
          file,
          note,
          page.out.endsWith('agent-config.md') ? '' : 'agent-config.md',
          agentKeys,
        ),
      );
    const sources = page.parts.map(
      (p) => `[schema/${p.schema}.schema.json](../../schema/${p.schema}.schema.json)`,
    );
    const text = [
      BANNER,
      `# ${page.title}`,
      page.intro,
      `Generated from ${sources.join(' and ')}; a key not listed here is an error.`,
      ...parts,
    ].join('\n\n');
    pages.push([page.out, `${text}\n`]);
  }
  return pages;
};
