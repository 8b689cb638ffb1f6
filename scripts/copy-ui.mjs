#!/usr/bin/env node
/** The status page's static files next to its compiled script: src/ui/*.{html,css} -> dist/src/ui/. */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const from = join(root, 'src', 'ui');
const to = join(root, 'dist', 'src', 'ui');
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from))
  if (/\.(html|css)$/.test(name)) copyFileSync(join(from, name), join(to, name));
