import assert from 'node:assert/strict';
import { test } from 'node:test';
import { healthSignalOf, ofNode, passReasonOf } from '../../src/agent/runtime-trigger.js';
import type { RuntimeEvent } from '../../src/ports/instance-runtime.js';
import { harness } from '../support/agent-harness.js';
import { service } from '../support/plan-builders.js';

/** Every instance but `other-main` is this node's. */
const mine = (name: string): boolean => name !== 'other-main';

/** A managed instance's death by itself, with `over` changed. */
const event = (over: Partial<RuntimeEvent> = {}): RuntimeEvent => ({
  type: 'die',
  name: 'web-main',
  id: 'abc',
  managed: true,
  own: false,
  ...over,
});

test('a managed instance dying or vanishing by itself calls for a pass; the agent’s own stops and removes do not', () => {
  assert.equal(passReasonOf(event(), mine), 'runtime die web-main');
  assert.equal(passReasonOf(event({ type: 'remove' }), mine), 'runtime remove web-main');
  assert.equal(passReasonOf(event({ type: 'resync', name: '' }), mine), 'runtime resync ');
  assert.equal(passReasonOf(event({ own: true }), mine), undefined);
  assert.equal(passReasonOf(event({ type: 'remove', own: true }), mine), undefined);
  assert.equal(
    passReasonOf(event({ managed: false }), mine),
    'runtime die web-main',
    'an unlabelled instance of this node’s (adopted): its death calls for a pass too',
  );
  assert.equal(passReasonOf(event({ managed: false, name: 'other-main' }), mine), undefined);
  assert.equal(passReasonOf(event({ type: 'start' }), mine), undefined);
  assert.equal(passReasonOf(event({ name: 'other-main' }), mine), undefined, 'another node’s instance');
});

test('an event’s node label tells whose instance it is without a registry lookup; an unlabelled one is looked up', () => {
  const asked: string[] = [];
  const known = (name: string) => {
    asked.push(name);
    return true;
  };
  assert.equal(ofNode(event({ node: 'rift' }), 'rift', known), true);
  assert.equal(
    ofNode(event({ node: 'elsewhere' }), 'rift', known),
    false,
    'another node’s, though the name is known',
  );
  assert.deepEqual(asked, [], 'labelled: no lookup');
  assert.equal(ofNode(event(), 'rift', known), true);
  assert.deepEqual(asked, ['web-main'], 'made before the label: looked up');
});

test('a labelled instance’s own death counts towards a crash loop (no pass of its own); any start of it restarts its health', () => {
  const labelled = (over: Partial<RuntimeEvent> = {}) => event({ hash: 'h1', ...over });
  assert.equal(healthSignalOf(labelled()), 'died');
  assert.equal(healthSignalOf(event()), undefined, 'without a spec hash: a pass, as before');
  assert.equal(healthSignalOf(labelled({ own: true })), undefined);
  assert.equal(healthSignalOf(labelled({ managed: false })), undefined);
  assert.equal(healthSignalOf(labelled({ type: 'start' })), 'started');
  assert.equal(healthSignalOf(labelled({ type: 'remove' })), undefined);
});

test('a pass that removes and stops gives no runtime event that calls for another pass', async () => {
  const h = await harness();
  const [old, web, keep] = [service('old', ['main']), service('web', ['main']), service('keep', ['main'])];
  for (const s of [old, web, keep]) h.runtime.addImage(s.components[0].image);
  h.serve([old, web, keep]);
  await h.pass();
  const reasons: string[] = [];
  h.runtime.onEvent((e) => {
    const reason = passReasonOf(e, mine);
    if (reason) reasons.push(reason);
  });
  h.serve([{ ...web, active: false }, keep]);
  const report = await h.pass();
  assert.match(report.status.summary, /1 stopped, 1 removed/);
  assert.deepEqual(reasons, [], 'the agent’s own stop and remove');
  h.runtime.removeByHand('keep-main');
  assert.deepEqual(
    reasons,
    ['runtime die keep-main', 'runtime remove keep-main'],
    'a removal by hand is drift',
  );
});
