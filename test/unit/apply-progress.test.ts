/**
 * What a pass tells of each instance while it works, for `mcp deploy`'s progress lines: the
 * phase of each runtime call as it begins (`pulling` only when an image is really pulled), and
 * the end of the action, failed or not. The activity record keeps one phase per instance.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivityRecord } from '../../src/agent/activity.js';
import type { ActivityPhase } from '../../src/domain/activity.js';
import type { ServiceSpec } from '../../src/domain/spec.js';
import { harness } from '../support/agent-harness.js';
import { component, service } from '../support/plan-builders.js';

/** A harness whose passes record every phase change, in order, as "name phase" ("name done" at the end). */
const recording = async () => {
  const told: string[] = [];
  const h = await harness('rift', {
    progress: (name: string, phase: ActivityPhase | undefined) => told.push(`${name} ${phase ?? 'done'}`),
  });
  return { h, told };
};

const wiki = (tag: string, over: Partial<ServiceSpec> = {}): ServiceSpec =>
  service('wiki', [component('wiki', 'main', { image: `registry.example:8443/wiki:${tag}` })], over);

describe('the phases a pass goes through', () => {
  it('pulls a missing image, then creates and starts: a phase each, and done at the end', async () => {
    const { h, told } = await recording();
    h.runtime.addRemoteImage('registry.example:8443/wiki:v1');
    h.serve([wiki('v1')]);
    assert.equal((await h.pass()).status.result, 'converged');
    assert.deepEqual(told, [
      'wiki-main pulling',
      'wiki-main creating',
      'wiki-main starting',
      'wiki-main done',
    ]);
  });

  it('says nothing of pulling when the image is present', async () => {
    const { h, told } = await recording();
    h.runtime.addImage('registry.example:8443/wiki:v1');
    h.serve([wiki('v1')]);
    await h.pass();
    assert.deepEqual(told, ['wiki-main creating', 'wiki-main starting', 'wiki-main done']);
  });

  it('removes the old instance before creating the new one on a recreate', async () => {
    const { h, told } = await recording();
    h.runtime.addImage('registry.example:8443/wiki:v1');
    h.runtime.addImage('registry.example:8443/wiki:v2');
    h.serve([wiki('v1')]);
    await h.pass();
    told.length = 0;
    h.serve([wiki('v2')], 'c0ffee2');
    assert.equal((await h.pass()).changes?.counts.recreated, 1);
    assert.deepEqual(told, [
      'wiki-main removing',
      'wiki-main creating',
      'wiki-main starting',
      'wiki-main done',
    ]);
  });

  it('ends the phase when the action fails: an image that cannot be pulled', async () => {
    const { h, told } = await recording();
    h.serve([wiki('v1')]);
    const report = await h.pass();
    assert.equal(report.changes?.results[0].outcome, 'failed');
    assert.equal(report.changes?.results[0].error?.code, 'IMAGE_UNAVAILABLE');
    assert.deepEqual(told, ['wiki-main pulling', 'wiki-main done']);
  });

  it('stops a deactivated service and removes a deleted one, a phase each', async () => {
    const { h, told } = await recording();
    h.runtime.addImage('registry.example:8443/wiki:v1');
    h.runtime.addImage('registry.example:8443/dns-server:v1.0.0');
    h.serve([wiki('v1'), service('dns', ['server'])]);
    await h.pass();
    told.length = 0;
    h.serve([wiki('v1', { active: false }), service('dns', ['server'])], 'c0ffee2');
    await h.pass();
    assert.deepEqual(told, ['wiki-main stopping', 'wiki-main done']);
    told.length = 0;
    h.serve([service('dns', ['server'])], 'c0ffee3');
    await h.pass();
    assert.deepEqual(told, ['wiki-main removing', 'wiki-main done']);
  });
});

describe('the activity record', () => {
  it('keeps one phase per instance with the time it began, the same phase again keeping that time', () => {
    let now = Date.parse('2026-11-29T10:00:00Z');
    const record = new ActivityRecord(() => new Date(now));
    record.set('wiki-main', 'pulling');
    now += 5000;
    record.set('wiki-main', 'pulling');
    assert.deepEqual(record.get('wiki-main'), { phase: 'pulling', since: '2026-11-29T10:00:00.000Z' });
    record.set('wiki-main', 'creating');
    assert.deepEqual(record.get('wiki-main'), { phase: 'creating', since: '2026-11-29T10:00:05.000Z' });
    assert.equal(record.get('dns-server'), undefined);
    record.set('wiki-main', undefined);
    assert.equal(record.get('wiki-main'), undefined);
  });
});
