// biome-ignore-all lint/suspicious/noTemplateCurlyInString: service files write ${var.NAME} in plain strings
/**
 * The live plan (POST /v1/plan) with per-node variables: the agent resolves the posted files
 * with the posted nodes/<node>.toml and its own [vars], so it plans what a commit would do
 * there, the variable named as the cause.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPosted } from '../../src/agent/live-plan.js';
import { inProcessLoader } from '../../src/agent/revision-loader.js';
import { NO_SECRETS } from '../../src/domain/secrets.js';
import { loadRevisionFromFiles } from '../../src/validate/load.js';
import { harness } from '../support/agent-harness.js';

const SERVICE =
  'name = "web"\nnode = "rift"\n[[components]]\nname = "main"\n' +
  'image = "localhost/web:${var.tag}"\nports = ["127.0.0.1:${var.port}:80"]\n';
const nodes = (tag: string) => ({ path: 'nodes/rift.toml', text: `[vars]\ntag = "${tag}"\n` });
const view = { node: 'rift', vars: { port: '8080' } };

describe('the live plan with per-node variables', () => {
  it('resolves posted node files and the agent’s own variables, and names the variable that changed', async () => {
    const h = await harness('rift');
    h.runtime.addImage('localhost/web:v1');
    h.runtime.addImage('localhost/web:v2');
    const loaded = loadRevisionFromFiles(
      [{ path: 'services/web.toml', text: SERVICE }],
      'c1',
      [],
      NO_SECRETS,
      { nodes: [nodes('v1')] },
      view,
    );
    assert.ok(loaded.ok, JSON.stringify(loaded));
    h.serve(loaded.revision.services);
    assert.equal((await h.pass()).status.counts.created, 1);

    const plan = await planPosted(
      { node: 'rift', runtimes: { container: h.runtime }, store: h.store },
      inProcessLoader({ view }),
      { files: [{ path: 'services/web.toml', text: SERVICE }, nodes('v2')] },
    );
    const actions = plan.stages.flat();
    assert.deepEqual(
      actions.map((a) => [a.kind, a.name, a.changes?.map((c) => c.because)]),
      [['recreate', 'web-main', [['var.tag: v1 -> v2']]]],
    );
  });
});
