/** POSIX shell quoting for the commands `mcp render` prints, so they paste into sh/bash as-is. */

export { shellQuote } from '../domain/shell-quote.js';
