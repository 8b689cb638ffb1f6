/**
 * The editor loop of `mcp service edit`: open a file in $VISUAL / $EDITOR, and while the
 * clone does not validate, reopen it with the errors as a comment block at its top. The
 * block is removed before anything is checked or committed; giving up restores the file.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { McpError } from '../domain/errors.js';

const BEGIN = '# --- mcp: this file does not validate; fix it, or save it unchanged to give up ---';
const END = '# --- mcp: end of errors (this block is removed before the file is checked) ---';

/** `text` with the errors block in front of it. */
export const withErrorBlock = (text: string, errors: readonly string[]): string =>
  `${[BEGIN, ...errors.map((e) => `# ${e.replace(/\n/g, '\n# ')}`), END].join('\n')}\n${stripErrorBlock(text)}`;

/** `text` without a leading errors block (exactly as it was put there; the rest untouched). */
export const stripErrorBlock = (text: string): string => {
  if (!text.startsWith(`${BEGIN}\n`)) return text;
  const end = text.indexOf(`\n${END}\n`);
  return end < 0 ? text : text.slice(end + END.length + 2);
};

/** The editor command: $VISUAL, else $EDITOR, else vi (run by sh, so it may carry flags). */
export const editorOf = (env: Record<string, string | undefined>): string => env.VISUAL || env.EDITOR || 'vi';

/** Runs the editor on `file` attached to this terminal; resolves with its exit code. */
export const runEditor = (
  editor: string,
  file: string,
  env: Record<string, string | undefined>,
): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit', env });
    child.on('error', (err) =>
      reject(new McpError('USAGE', `cannot run the editor '${editor}': ${err.message}`)),
    );
    child.on('exit', (code, signal) => resolve(signal ? 128 : (code ?? 1)));
  });

export type EditOutcome = { kind: 'unchanged' } | { kind: 'aborted'; why: string } | { kind: 'valid' };

/**
 * Edits `file` until `check` returns no errors, the operator gives up, or nothing changed.
 * On giving up, the file's original bytes are written back.
 */
export const editUntilValid = async (
  file: string,
  editor: string,
  env: Record<string, string | undefined>,
  check: () => Promise<string[]>,
): Promise<EditOutcome> => {
  const original = await readFile(file);
  const restore = async (why: string): Promise<EditOutcome> => {
    await writeFile(file, original);
    return { kind: 'aborted', why };
  };
  let offered = original.toString('utf8');
  for (;;) {
    const code = await runEditor(editor, file, env);
    if (code !== 0) return restore(`the editor exited with ${code}`);
    const saved = await readFile(file, 'utf8');
    const text = stripErrorBlock(saved);
    if (saved === offered && offered !== original.toString('utf8'))
      return restore('saved unchanged after errors');
    if (text === original.toString('utf8')) {
      await writeFile(file, original);
      return { kind: 'unchanged' };
    }
    await writeFile(file, text);
    const errors = await check();
    if (errors.length === 0) return { kind: 'valid' };
    offered = withErrorBlock(text, errors);
    await writeFile(file, offered);
  }
};
