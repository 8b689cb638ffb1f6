/** `mcp stop`: set `active = false` in service files, commit, push, and wait for their nodes. */
import { activeCommand } from '../rollout-args.js';

export const { help, run } = activeCommand('stop');
