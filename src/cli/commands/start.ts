/** `mcp start`: set `active = true` in service files, commit, push, and wait for their nodes. */
import { activeCommand } from '../rollout-args.js';

export const { help, run } = activeCommand('start');
