/**
 * What every CLI command receives: where to write, whether to colour, where it runs.
 * Commands never touch process.stdout or process.exit themselves, so tests can drive them.
 */

export interface CliContext {
  cwd: string;
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** False under NO_COLOR or when stdout is not a TTY. */
  color: boolean;
  /** stdout is a terminal: progress lines are worth printing (`mcp deploy`). */
  tty?: boolean;
  /** Where a value piped or typed in is read (`mcp secret set`); default process.stdin. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** One command module per file in src/cli/commands/, loaded lazily by src/cli/main.ts. */
export interface CommandModule {
  /** Usage text printed by `--help`. */
  help: string;
  /** Runs the command; returns the exit code. User errors are thrown as McpError. */
  run: (args: string[], ctx: CliContext) => Promise<number>;
  /** True for a command with subcommands: it answers `--help` itself, for the subcommand named. */
  ownHelp?: boolean;
  /** The subcommands of such a command, in the order of its help (for docs/reference/cli.md). */
  subcommands?: string[];
}
