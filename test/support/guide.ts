/**
 * The format of a tested guide (docs/guide.md), and how its shown output is compared with a
 * real run's. Only fenced blocks whose info string is `console` are run. In them, a line
 * starting with `$ ` is a command (a line ending in ` \` continues it; a command ending in
 * `<<'EOF'` or `<<EOF` takes the lines up to `EOF` as its here-document); the lines after it,
 * up to the next command or the end of the block, are its output (stdout and stderr as one).
 *
 * Where a shown output cannot be the same twice (a state caught while it changes, events
 * that come in any order), `...` stands for what varies: a line of its own matches any
 * number of lines, and `...` inside a line matches any text there.
 *
 * What differs between runs is made equal on both sides by `normalise`: hex ids (tokens and
 * digests, commits), times, durations and podman's version, then runs of spaces (columns
 * widen with the values in them). A value the guide shows and a later command uses again
 * (a token to log in with, a digest to copy, a commit to revert) is learned by `learn` from
 * where the shown and the real output line up, and replaced in the commands that follow.
 */

/** One command of the guide, what it shows, and where. */
export interface GuideStep {
  /** 1-based line of the `$ ` line in the file. */
  line: number;
  command: string;
  /** The shown output's lines; [] when the guide shows none. */
  output: string[];
  /** 0-based index of the first line after the output (for rewriting). */
  end: number;
}

/** Every step of every `console` block of `text`, in order. */
export const parseGuide = (text: string): GuideStep[] => {
  const lines = text.split('\n');
  const steps: GuideStep[] = [];
  let inConsole = false;
  let inOther = false;
  let step: GuideStep | undefined;
  const close = (at: number) => {
    if (step) step.end = at;
    step = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!inConsole && !inOther) {
      if (/^```console\s*$/.test(line)) inConsole = true;
      else if (/^```/.test(line)) inOther = true;
      continue;
    }
    if (inOther) {
      if (/^```\s*$/.test(line)) inOther = false;
      continue;
    }
    if (/^```\s*$/.test(line)) {
      close(i);
      inConsole = false;
      continue;
    }
    if (line.startsWith('$ ')) {
      close(i);
      const start = i;
      let command = line.slice(2);
      while (command.endsWith(' \\') && i + 1 < lines.length) command += `\n${lines[++i]}`;
      const heredoc = /<<-?'?(\w+)'?\s*$/.exec(command)?.[1];
      if (heredoc) {
        while (i + 1 < lines.length) {
          command += `\n${lines[++i]}`;
          if (lines[i] === heredoc) break;
        }
      }
      step = { line: start + 1, command, output: [], end: i + 1 };
      steps.push(step);
      continue;
    }
    step?.output.push(line);
  }
  return steps;
};

/** The values that differ from run to run, each with what it reads as once normalised. */
const VOLATILE: [RegExp, string][] = [
  [/\b[0-9a-f]{64}\b/g, '<hex64>'],
  [/\b[0-9a-f]{40}\b/g, '<commit>'],
  [/\b[0-9a-f]{7,12}\b/g, '<rev>'],
  [/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\b/g, '<time>'],
  [/\b\d+(\.\d+)? ?(ms|s|min|h)\b/g, '<n> $2'],
  [/\bpodman \d+\.\d+\.\d+\b/g, 'podman <version>'],
  [/\b[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d \d{4} [+-]\d{4}\b/g, '<date>'],
];

/** The kinds of value `learn` pairs up: ids a later command may use again. */
const LEARNED = VOLATILE.slice(0, 3).map(([re]) => re);

/** `line` with every volatile value replaced by its kind, runs of spaces made one, no trailing space. */
export const normalise = (line: string): string => {
  let out = line;
  for (const [re, as] of VOLATILE) out = out.replace(re, as);
  return out.replace(/[ \t]+/g, ' ').trimEnd();
};

/** The shown lines and the real ones, normalised, blank lines at the end dropped. */
export const comparable = (lines: readonly string[]): string[] => {
  const out = lines.map(normalise);
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
};

/**
 * Adds to `into` (shown value -> real value) the ids of `shown` paired in order with those of
 * `real`, kind by kind, when both have as many of that kind.
 */
export const learn = (shown: string, real: string, into: Map<string, string>): void => {
  for (const re of LEARNED) {
    const a = shown.match(re) ?? [];
    const b = real.match(re) ?? [];
    if (a.length !== b.length) continue;
    a.forEach((value, i) => {
      if (value !== b[i]) into.set(value, b[i]);
    });
  }
};

/** `text` with every key of `map` replaced by its value (longest keys first), as whole words. */
export const replaceWords = (text: string, map: ReadonlyMap<string, string>): string => {
  const keys = [...map.keys()].sort((a, b) => b.length - a.length);
  if (!keys.length) return text;
  const escaped = keys.map((k) => k.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const re = new RegExp(`(?<![\\w])(?:${escaped.join('|')})(?![\\w])`, 'g');
  return text.replace(re, (m) => map.get(m) ?? m);
};

/** Whether the real lines are what the shown lines say, `...` standing for what varies. */
export const matches = (shown: readonly string[], real: readonly string[]): boolean => {
  const want = comparable(shown);
  const got = comparable(real);
  const lineMatches = (pattern: string, line: string): boolean => {
    if (!pattern.includes('...')) return pattern === line;
    const parts = pattern.split('...').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${parts.join('.*')}$`).test(line);
  };
  const from = (i: number, j: number): boolean => {
    if (i === want.length) return j === got.length;
    if (want[i] === '...') {
      for (let k = j; k <= got.length; k++) if (from(i + 1, k)) return true;
      return false;
    }
    return j < got.length && lineMatches(want[i], got[j]) && from(i + 1, j + 1);
  };
  return from(0, 0);
};

const cellsOf = (line: string): string[] => line.trimEnd().split(/ {2,}/);

/**
 * `lines` with each table (an upper-case header, its cells two or more spaces apart, and the
 * rows below it) padded again: a run's names and ports swapped for the guide's are shorter or
 * longer, and a table the guide shows should line up as the command lines it up.
 */
export const realign = (lines: readonly string[]): string[] => {
  const out = [...lines];
  for (let i = 0; i < out.length; i++) {
    const header = cellsOf(out[i]);
    if (header.length < 2 || !header.every((c) => /^[A-Z][A-Z ]*$/.test(c))) continue;
    let end = i + 1;
    while (end < out.length && !out[end].startsWith(' ') && cellsOf(out[end]).length >= 2) end++;
    const rows = out.slice(i, end).map(cellsOf);
    const widths = header.map((_, k) => Math.max(...rows.map((r) => (r[k] ?? '').length)));
    rows.forEach((r, j) => {
      out[i + j] = r.map((cell, k) => (k < r.length - 1 ? cell.padEnd(widths[k] + 2) : cell)).join('');
    });
    i = end - 1;
  }
  return out;
};
