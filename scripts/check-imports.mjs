#!/usr/bin/env node
/**
 * Import direction as a checked fact: every import (static or dynamic) of a file under src/
 * must stay inside its own part or point to a part that src/layers.json allows. Exits 1 and
 * names file, line and import for every one that points up or across.
 * Usage: node scripts/check-imports.mjs [REPOSITORY]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** The repository to check: the argument, else the one this script lives in. */
const root = resolve(process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), '..'));
const src = join(root, 'src');
const rules = JSON.parse(readFileSync(join(src, 'layers.json'), 'utf8'));
delete rules.$comment;

/** Rooms: parts listed as `agent/notify` and the like, a folder of one capability. */
const rooms = Object.keys(rules).filter((p) => p.includes('/') && !p.startsWith('adapters/'));

/**
 * The part a path belongs to: `domain`, `adapters/podman`, a room such as `agent/health`,
 * `log` (src/log.ts), `schema` (schema/).
 */
const partOf = (file) => {
  if (relative(root, file).startsWith('schema/')) return 'schema';
  const rel = relative(src, file);
  const [first, second] = rel.split('/');
  if (first.startsWith('..')) return undefined;
  if (first === 'adapters') return `adapters/${second}`;
  const room = rooms.find((r) => rel.startsWith(`${r}/`));
  return room ?? first.replace(/\.[jt]s$/, '');
};

/** A room is entered through its index.ts only: what else it holds is its own business. */
const entersBySide = (to, target) => rooms.includes(to) && relative(join(src, to), target) !== 'index.js';

const allowedFrom = (part) => rules[part.startsWith('adapters/') ? 'adapters/*' : part];

const allows = (from, to) => {
  if (from === to) return true;
  const allowed = allowedFrom(from) ?? [];
  return allowed.includes(to) || (to.startsWith('adapters/') && allowed.includes('adapters/*'));
};

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

const problems = [];
for (const file of walk(src)) {
  const from = partOf(file);
  if (!allowedFrom(from)) {
    problems.push(`${relative(root, file)}: part '${from}' is not in src/layers.json`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  for (const imp of importedFiles) {
    if (!imp.fileName.startsWith('.')) continue;
    const target = resolve(dirname(file), imp.fileName);
    const to = partOf(target);
    const line = text.slice(0, imp.pos).split('\n').length;
    const where = `${relative(root, file)}:${line}`;
    if (to === undefined) problems.push(`${where}: imports ${imp.fileName}, outside src/`);
    else if (!allows(from, to)) problems.push(`${where}: ${from} may not import ${to} (${imp.fileName})`);
    else if (from !== to && entersBySide(to, target))
      problems.push(`${where}: ${to} is entered through its index.ts only (${imp.fileName})`);
  }
}
for (const p of problems) console.error(p);
if (problems.length) {
  console.error(`${problems.length} import(s) against src/layers.json`);
  process.exit(1);
}
