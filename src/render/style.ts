/**
 * Terminal colour for command output. Every helper is the identity when colour is off
 * (NO_COLOR, a pipe, a file), so commands write one code path for both.
 */

/** The colours commands use: meaning first (added, changed, removed), then emphasis. */
export interface Style {
  bold: (s: string) => string;
  dim: (s: string) => string;
  red: (s: string) => string;
  green: (s: string) => string;
  yellow: (s: string) => string;
  cyan: (s: string) => string;
}

const sgr =
  (open: number, close: number) =>
  (s: string): string =>
    `\x1b[${open}m${s}\x1b[${close}m`;

const coloured: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

const same = (s: string): string => s;
const plain: Style = { bold: same, dim: same, red: same, green: same, yellow: same, cyan: same };

/** The styles for a context: `style(ctx).red('x')` is `x` when ctx.color is false. */
export const style = (ctx: { color: boolean }): Style => (ctx.color ? coloured : plain);
