/**
 * Deploy jobs through whole passes on the in-memory runtime: a pre-deploy job runs before its
 * service's change and once per change (not on a pass that changes nothing, nor for drift); a
 * failing one holds the change, old version kept, until the spec changes again; a post-deploy
 * job runs once the change is done, and a failing one rolls the service back. Validation
 * locates what a job may not have.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryJob } from '../../src/agent/jobs/index.js';
import type { ComponentSpec, ServiceSpec } from '../../src/domain/spec.js';
import { formatSpecError } from '../../src/domain/spec-error.js';
import { loadRevisionFromFiles } from '../../src/validate/load.js';
import { harness, running } from '../support/agent-harness.js';
import { component, service } from '../support/plan-builders.js';

const job = (
  name: string,
  when: 'pre-deploy' | 'post-deploy',
  image = 'localhost/job:v1',
): ComponentSpec => ({
  ...component('app', name, { image }),
  restart: 'no',
  job: { when, timeout: 30 },
});

const app = (webImage: string, ...jobs: ComponentSpec[]): ServiceSpec[] => [
  service('app', [component('app', 'web', { image: webImage }), ...jobs]),
];

const setup = async (features: Parameters<typeof harness>[1] = {}) => {
  const h = await harness('rift', features);
  for (const image of ['localhost/web:v1', 'localhost/web:v2', 'localhost/web:v3', 'localhost/job:v1'])
    h.runtime.addImage(image);
  return h;
};

describe('pre-deploy jobs', () => {
  it('run before the change, once per change, and not for drift', async () => {
    const h = await setup();
    const order: string[] = [];
    const run = h.runtime.runJob.bind(h.runtime);
    h.runtime.runJob = async (req, t) => {
      order.push(`job with ${running(h.runtime).join(',') || 'nothing'} running`);
      return run(req, t);
    };
    h.serve(app('localhost/web:v1', job('migrate', 'pre-deploy')));
    const first = await h.pass();
    assert.equal(first.status.result, 'converged', JSON.stringify(first.status.errors));
    assert.deepEqual(order, ['job with nothing running'], 'before the first create');
    assert.deepEqual(running(h.runtime), ['app-web'], 'the job is no instance');

    await h.pass();
    assert.equal(order.length, 1, 'a pass that changes nothing runs nothing');
    await h.runtime.remove(h.runtime.list().find((i) => i.name === 'app-web')!.id);
    await h.pass();
    assert.equal(order.length, 1, 'healing drift runs nothing');

    h.serve(app('localhost/web:v2', job('migrate', 'pre-deploy')));
    await h.pass();
    assert.deepEqual(order, ['job with nothing running', 'job with app-web running'], 'before the recreate');
    assert.equal(h.runtime.list().find((i) => i.name === 'app-web')?.image, 'localhost/web:v2');
    assert.equal(h.store.jobRuns().get('app-migrate')?.result, 'succeeded');
  });

  it('that fails holds the change with its exit code and log, and is not run again until the spec changes', async () => {
    const h = await setup();
    h.serve(app('localhost/web:v1', job('migrate', 'pre-deploy')));
    await h.pass();
    h.runtime.jobOutcomes.set('app-migrate', {
      exitCode: 3,
      logTail: ['applying 0042', 'ERROR: column exists'],
    });
    h.serve(app('localhost/web:v2', job('migrate', 'pre-deploy')));
    const failed = await h.pass();
    assert.equal(failed.status.result, 'degraded');
    assert.deepEqual(
      failed.status.errors.map((e) => `${e.code} ${e.message}`),
      [
        'JOB_FAILED pre-deploy job app-migrate failed (exit 3): the change of app is held; its log ends: applying 0042 | ERROR: column exists',
      ],
    );
    assert.equal(
      h.runtime.list().find((i) => i.name === 'app-web')?.image,
      'localhost/web:v1',
      'v1 keeps running',
    );
    const runs = h.runtime.calls.runJob;
    const again = await h.pass();
    assert.equal(h.runtime.calls.runJob, runs, 'not run again for the same change');
    assert.equal(again.status.result, 'degraded');
    assert.equal(h.runtime.list().find((i) => i.name === 'app-web')?.image, 'localhost/web:v1');

    // An operator's retry runs it again for the same change (it fails again here).
    assert.equal(retryJob(h.store, 'app-web'), false, 'no such job');
    assert.equal(retryJob(h.store, 'app-migrate'), true);
    await h.pass();
    assert.equal(h.runtime.calls.runJob, runs + 1, 'run again after the retry');

    h.runtime.jobOutcomes.delete('app-migrate');
    h.serve(app('localhost/web:v3', job('migrate', 'pre-deploy')));
    const fixed = await h.pass();
    assert.equal(fixed.status.result, 'converged', JSON.stringify(fixed.status.errors));
    assert.equal(h.runtime.list().find((i) => i.name === 'app-web')?.image, 'localhost/web:v3');
    const events = h.store.events(20).filter((e) => e.kind === 'job');
    assert.match(events[0].message, /pre-deploy job succeeded/);
    assert.match(events[1].message, /pre-deploy job failed after [\d.]+ s: exit 3/);
  });

  it('past its timeout is a failure that says so', async () => {
    const h = await setup();
    h.runtime.jobOutcomes.set('app-migrate', { exitCode: null, logTail: [] });
    h.serve(app('localhost/web:v1', job('migrate', 'pre-deploy')));
    const r = await h.pass();
    assert.match(r.status.errors[0]?.message ?? '', /failed \(ran past its timeout of 30 s\)/);
    assert.deepEqual(running(h.runtime), [], 'nothing of the service was created');
  });
});

describe('post-deploy jobs', () => {
  it('run once the change is done; one that fails rolls the service back', async () => {
    const h = await setup({ health: true, steadyMs: 1 });
    h.serve(app('localhost/web:v1', job('smoke', 'post-deploy')));
    const first = await h.pass();
    assert.equal(first.status.result, 'converged', JSON.stringify(first.status.errors));
    assert.equal(h.runtime.calls.runJob, 1, 'after the first deploy');
    await new Promise((r) => setTimeout(r, 20)); // v1 runs past the steady time: its spec is the last healthy
    await h.pass();
    assert.equal(h.runtime.calls.runJob, 1, 'once per change');

    h.runtime.jobOutcomes.set('app-smoke', { exitCode: 1, logTail: ['GET / -> 500'] });
    h.serve(app('localhost/web:v2', job('smoke', 'post-deploy')));
    const broken = await h.pass();
    assert.equal(h.runtime.calls.runJob, 2);
    assert.match(
      broken.status.errors.map((e) => e.message).join('\n'),
      /post-deploy job app-smoke failed \(exit 1\): app rolled back; its log ends: GET \/ -> 500/,
    );
    assert.equal(broken.requeue, true, 'the pass that rolls back follows');
    await h.pass();
    assert.equal(h.runtime.list().find((i) => i.name === 'app-web')?.image, 'localhost/web:v1', 'back on v1');
    assert.ok(h.store.events(20).some((e) => e.kind === 'rolled-back' && e.name === 'app-web'));
    await h.pass();
    assert.equal(h.runtime.calls.runJob, 2, 'not run again for the same change');
  });
});

describe('validation of jobs', () => {
  it('locates a job without when, what a job may not have, and what only a job may', () => {
    const text = `name = "app"
node = "rift"
[[components]]
name = "migrate"
kind = "job"
image = "localhost/job:v1"
ports = ["8080:80"]
[[components]]
name = "web"
image = "localhost/web:v1"
when = "pre-deploy"
depends_on = ["migrate"]
`;
    const r = loadRevisionFromFiles([{ path: 'services/app.toml', text }]);
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map(formatSpecError), [
      'services/app.toml:5:1 components[0].kind: a job needs when = "pre-deploy" or "post-deploy"; hint: e.g. when = "pre-deploy"',
      "services/app.toml:7:1 components[0].ports: 'ports' does not apply to a job: it runs once, to completion",
      'services/app.toml:11:1 components[1].when: \'when\' applies only to a job; hint: set kind = "job"',
      "services/app.toml:12:15 components[1].depends_on[0]: depends on job 'migrate', which does not keep running; hint: a pre-deploy job already runs before the change, a post-deploy one after it",
    ]);
  });

  it('normalises a job to a container run once', () => {
    const text = `name = "app"\nnode = "rift"\n[[components]]\nname = "migrate"\nkind = "job"\nwhen = "pre-deploy"\nimage = "localhost/job:v1"\n`;
    const r = loadRevisionFromFiles([{ path: 'services/app.toml', text }]);
    assert.ok(r.ok);
    const c = r.revision.services[0].components[0];
    assert.equal(c.kind, 'container');
    assert.equal(c.restart, 'no');
    assert.deepEqual(c.job, { when: 'pre-deploy', timeout: 300 });
  });
});
