/**
 * Before `mcp deploy` pushes: a commit its own git would not sign, bound for agents that deploy
 * only signed commits, is refused here with the hint, not rejected by every node after the push.
 */
import { McpError } from '../domain/errors.js';
import type { StatusAnswer } from '../wire/api.js';
import { askNodes } from './agent-client.js';
import type { Node } from './config.js';

/** Throws USAGE when any reachable node of `nodes` says it deploys signed commits only. */
export const refuseUnsigned = async (nodes: readonly Node[], token: string | undefined): Promise<void> => {
  const answers = await askNodes<StatusAnswer>(nodes, '/v1/status', { token, timeoutMs: 3000 });
  const strict = answers.filter((a) => a.ok && a.body.trust?.startsWith('signed commits only'));
  if (strict.length === 0) return;
  throw new McpError(
    'USAGE',
    `${strict.map((a) => a.node.name).join(', ')} deploy${strict.length === 1 ? 's' : ''} signed commits only, and your git does not sign: nothing committed`,
    {
      hint: 'git config commit.gpgsign true; git config gpg.format ssh; git config user.signingkey ~/.ssh/id_ed25519.pub (or a gpg key)',
    },
  );
};
