/** `mcp` (its `main`, or one command's `run`) in this process, its output captured. */
import type { CliContext } from '../../src/cli/context.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `run(args)` with `ctx` (no colour unless given), collecting what it prints. */
export const runCli = async (
  run: (args: string[], ctx: CliContext) => Promise<number>,
  args: string[],
  ctx: Omit<CliContext, 'out' | 'err' | 'color'> & { color?: boolean },
): Promise<CliRun> => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, {
    color: false,
    ...ctx,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
};
