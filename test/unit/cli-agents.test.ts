/**
 * `mcp status`, `mcp ps` and `mcp sync` against a real agent API on a socket (in front of the
 * in-memory runtime) and a node nobody answers for: one unreachable node is reported, not
 * fatal to the others; a refused token is its own exit code; --json carries every answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActivityRecord } from '../../src/agent/activity.js';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import type { CliContext } from '../../src/cli/context.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';
import { type Harness, harness } from '../support/agent-harness.js';
import { closedPort } from '../support/net.js';
import { service } from '../support/plan-builders.js';

describe('mcp status, ps and sync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-cli-agents-'));
  let h: Harness;
  let api: ApiServer;
  const activity = new ActivityRecord();

  const mcp = async (args: string[], env: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      cwd: dir,
      env: { MCP_CONFIG: join(dir, 'mcp.toml'), ...env },
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      color: false,
    };
    const code = await main(args, ctx);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  before(async () => {
    h = await harness();
    const services = [service('dns', ['server']), service('wiki', ['api'])];
    for (const s of services) for (const c of s.components) h.runtime.addImage(c.image);
    h.serve(services, '3f9a2c1d00');
    await h.pass();
    api = await startApi(
      {
        node: 'rift',
        source: 'test',
        store: h.store,
        runtimes: [h.runtime],
        filesRoot: join(dir, 'srv'),
        trigger: () => h.pass().then(() => {}),
        adopt: (names) => h.adopt(names),
        accelerator: () => ({
          setting: 'auto',
          accel: 'tcg',
          reason: 'KVM cannot run a guest: the probe guest printed nothing within 5000 ms',
        }),
        overrides: h.overrides,
        activity: activity.get,
      },
      {
        listen: '127.0.0.1:0',
        tokens: [
          { name: 'viewer', sha256: tokenDigest('read-token'), role: 'read' },
          { name: 'ops', sha256: tokenDigest('operate-token'), role: 'operate' },
        ],
      },
      silentLogger,
    );
    writeFileSync(join(dir, 'token'), 'read-token\n');
    writeFileSync(
      join(dir, 'mcp.toml'),
      `[auth]\ntoken_path = "token"\n\n[[nodes]]\nname = "rift"\naddress = "${api.url.replace('http://', '')}"\n\n` +
        `[[nodes]]\nname = "vade"\naddress = "127.0.0.1:${await closedPort()}"\n`,
    );
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('status: every node, the unreachable one reported and in the exit code', async () => {
    const r = await mcp(['status']);
    assert.equal(r.code, EXIT.unavailable);
    const lines = r.out.split('\n');
    assert.match(lines[0], /^NODE\s+RESULT\s+REVISION\s+LAST PASS\s+SUMMARY\s+REASON$/);
    assert.match(lines[1], /^rift\s+converged\s+3f9a2c1\s+\d+ s ago \(\d+ ms\)\s+2 created$/);
    assert.match(lines[2], /^vade\s+unreachable\s+-\s+-\s+-\s+AGENT_UNAVAILABLE vade \(.*\) is unreachable/);
    assert.match(r.err, /^mcp: vade \(http:\/\/127\.0\.0\.1:\d+\) is unreachable: ECONNREFUSED$/);
  });

  it('status of one named node exits 0; an unknown node is 66 with the known ones', async () => {
    assert.equal((await mcp(['status', 'rift'])).code, EXIT.ok);
    const unknown = await mcp(['status', 'nope']);
    assert.equal(unknown.code, EXIT.notFound);
    assert.match(
      unknown.err,
      /no node named nope, and no node that answered runs a service of that name\nhint: nodes: rift, vade/,
    );
  });

  it('ps --json carries each node’s answer, or its error', async () => {
    const r = await mcp(['ps', '--json']);
    const answers = JSON.parse(r.out);
    assert.deepEqual(
      answers[0].instances.map((i: { name: string; state: string }) => `${i.name} ${i.state}`),
      ['dns-server running', 'wiki-api running'],
    );
    assert.equal(answers[1].ok, false);
    assert.equal(answers[1].error.code, 'AGENT_UNAVAILABLE');
  });

  it('ps shows each instance’s health; status lists what is not healthy, and why, below the table', async () => {
    const hash = h.runtime.list().find((i) => i.name === 'wiki-api')!.labels['mcp.spec-hash'];
    h.store.recordHealth('wiki-api', { state: 'unhealthy', since: new Date().toISOString(), hash });
    const ps = await mcp(['ps', 'rift']);
    const rows = ps.out.split('\n');
    assert.match(rows[0], /^NODE\s+NAME\s+STATE\s+HEALTH\s+IMAGE\s+REVISION\s+ACTIVITY$/);
    assert.match(rows[1], /^rift\s+dns-server\s+running\s+none\s/);
    assert.match(rows[2], /^rift\s+wiki-api\s+running\s+unhealthy\s/);
    const last = h.store.lastPass()!;
    h.store.recordPass({
      ...last,
      result: 'degraded',
      unhealthy: [{ name: 'wiki-api', state: 'unhealthy', reason: 'GET / answered 500' }],
    });
    const status = await mcp(['status', 'rift']);
    assert.equal(status.code, EXIT.notConverged);
    assert.match(status.out, /^rift: wiki-api unhealthy: GET \/ answered 500$/m);
    h.store.recordHealth('wiki-api', undefined);
    h.store.recordPass(last);
  });

  it('ps and status SERVICE show what the agent is doing to an instance right now, and for how long', async () => {
    activity.set('wiki-api', 'starting');
    try {
      const ps = (await mcp(['ps', 'rift'])).out.split('\n');
      assert.match(ps.find((l) => /\swiki-api\s/.test(l)) ?? '', /\sstarting for \d+ s$/);
      assert.match(ps.find((l) => /\sdns-server\s/.test(l)) ?? '', /\s-$/);
      const detail = (await mcp(['status', 'wiki'])).out;
      assert.match(detail, /^wiki\s+api\s+running, starting for \d+ s\s/m);
    } finally {
      activity.set('wiki-api', undefined);
    }
    assert.doesNotMatch((await mcp(['ps', 'rift'])).out, /starting for/);
  });

  it('a node only progressing is its own exit code (5), with what it waits for; one degraded node makes it 4', async () => {
    const last = h.store.lastPass()!;
    try {
      h.store.recordPass({
        ...last,
        result: 'progressing',
        summary: '2 unchanged; not healthy: wiki-api starting',
        unhealthy: [{ name: 'wiki-api', state: 'starting', pending: true }],
      });
      const waiting = await mcp(['status', 'rift']);
      assert.equal(waiting.code, EXIT.progressing);
      assert.match(waiting.out, /^rift\s+progressing\s+3f9a2c1\s/m);
      assert.match(waiting.out, /^rift: wiki-api starting$/m);
      h.store.recordPass({
        ...last,
        result: 'degraded',
        errors: [{ code: 'RUNTIME', message: 'create failed' }],
      });
      assert.equal((await mcp(['status', 'rift'])).code, EXIT.notConverged);
    } finally {
      h.store.recordPass(last);
    }
  });

  it('sync needs the operate role: refused with 77 and a hint, then done with MCP_TOKEN', async () => {
    h.runtime.stopByHand('wiki-api');
    const refused = await mcp(['sync', 'rift']);
    assert.equal(refused.code, EXIT.noPermission);
    assert.match(
      refused.err,
      /token viewer has role read; this needs operate\nhint: check the token and its role/,
    );
    const done = await mcp(['sync', 'rift'], { MCP_TOKEN: 'operate-token' });
    assert.equal(done.code, EXIT.ok, done.err);
    assert.match(done.out.split('\n')[1], /^rift\s+converged\s+3f9a2c1\s+\d+ ms\s+1 started, 1 unchanged$/);
  });

  it('without a token the agent’s 401 says how to give one; a missing config is 78', async () => {
    writeFileSync(join(dir, 'bare.toml'), `[[nodes]]\nname = "rift"\naddress = "${api.url}"\n`);
    const r = await mcp(['status', '--config', 'bare.toml']);
    assert.equal(r.code, EXIT.noPermission);
    assert.match(r.err, /hint: set auth\.token_path in mcp\.toml or MCP_TOKEN/);
    const missing = await mcp(['status', '--config', 'nowhere.toml']);
    assert.equal(missing.code, EXIT.config);
    assert.match(missing.err, /cannot read .*nowhere\.toml: ENOENT/);
  });

  it('push writes a local file into a service’s directory on its node, and pull reads it back', async () => {
    writeFileSync(join(dir, 'app.conf'), 'listen = 8080\n');
    const operate = { MCP_TOKEN: 'operate-token' };
    const pushed = await mcp(['push', 'wiki', 'app.conf', 'conf/app.conf', '--node', 'rift'], operate);
    assert.equal(pushed.code, EXIT.ok, pushed.err);
    assert.equal(pushed.out, 'rift: wrote wiki/conf/app.conf (14 bytes)');
    assert.equal(readFileSync(join(dir, 'srv', 'wiki', 'conf', 'app.conf'), 'utf8'), 'listen = 8080\n');
    const shown = await mcp(['pull', 'wiki', 'conf/app.conf', '-', '--node', 'rift']);
    assert.equal(shown.out, 'listen = 8080\n');
    assert.equal((await mcp(['pull', 'wiki', 'conf/app.conf', '--node', 'rift'])).code, EXIT.ok);
    assert.equal(readFileSync(join(dir, 'app.conf'), 'utf8'), 'listen = 8080\n');
    assert.equal((await mcp(['pull', 'wiki', 'conf/missing', '--node', 'rift'])).code, EXIT.notFound);
    assert.equal(
      (await mcp(['push', 'wiki', 'app.conf', '--node', 'rift'])).code,
      EXIT.noPermission,
      'a read token',
    );
    const which = await mcp(['pull', 'wiki', 'conf/app.conf']);
    assert.equal(which.code, EXIT.usage);
    assert.match(which.err, /which node holds wiki\? give --node/);
  });

  it('adopt makes the unmanaged container holding a service’s name MCP’s, replaced from the spec', async () => {
    const cache = service('cache', ['main']);
    h.runtime.addImage(cache.components[0].image);
    h.serve([service('dns', ['server']), service('wiki', ['api']), cache], '3f9a2c1d00');
    h.runtime.addUnmanaged('cache-main');
    assert.match((await h.pass()).status.summary, /1 conflict/);
    const why = (await mcp(['status', 'rift', '-v'])).out;
    assert.match(
      why,
      /^ {2}CONFLICT cache-main: name held by a container MCP does not manage; adopt it with `mcp adopt`$/m,
      'status says why the pass was not clean',
    );
    assert.match(
      why,
      /^ {2}VMs: tcg \(KVM cannot run a guest: the probe guest printed nothing within 5000 ms\)$/m,
    );
    const operate = { MCP_TOKEN: 'operate-token' };
    const r = await mcp(['adopt', 'cache', '--node', 'rift'], operate);
    assert.equal(r.code, EXIT.ok, r.err);
    assert.match(
      r.out,
      /^rift: cache-main replaced from the spec \(it differed\)\nrift: converged in \d+ ms: 1 recreated, 2 unchanged$/,
    );
    const adopted = h.runtime.list().find((i) => i.name === 'cache-main');
    assert.equal(adopted?.labels['mcp.managed'], 'true');
    assert.equal(adopted?.image, cache.components[0].image);
    assert.equal(
      (await mcp(['adopt', 'cache', '--node', 'rift'], operate)).out,
      'rift: nothing of cache to adopt',
    );
    assert.equal((await mcp(['adopt', 'nosuch', '--node', 'rift'], operate)).code, EXIT.notFound);
  });

  it('status of a degraded node gives its first reason in the table, every one with -v, and exits 4', async () => {
    h.serve({
      ok: false,
      commit: '9e8d7c6b5a',
      errors: [
        { file: 'services/dns.toml', line: 2, column: 1, path: 'node', message: 'must be a string' },
        {
          file: 'services/wiki.toml',
          line: 9,
          column: 5,
          path: 'components[0].image',
          message: 'is required',
        },
      ],
    });
    await h.pass();
    const r = await mcp(['status', 'rift']);
    assert.equal(r.code, EXIT.notConverged);
    const lines = r.out.split('\n');
    assert.match(lines[0], /^NODE\s+RESULT\s+REVISION\s+NEWEST\s+LAST PASS\s+SUMMARY\s+REASON$/);
    assert.match(
      lines[1],
      /^rift\s+degraded\s+3f9a2c1\s+9e8d7c6 rejected\s+.*INVALID_SPEC services\/dns\.toml:2:1 node: must be a string \(\+1 more, -v\)$/,
    );
    const verbose = await mcp(['status', 'rift', '-v']);
    assert.match(verbose.out, /^rift:\n {2}newest 9e8d7c6b5a: rejected, seen \d+ s ago$/m);
    assert.match(
      verbose.out,
      /^ {2}INVALID_SPEC services\/wiki\.toml:9:5 components\[0\]\.image: is required$/m,
    );
  });

  it('sync --override releases a held mass removal on a named node, and is refused when nothing is held', async () => {
    const operate = { MCP_TOKEN: 'operate-token' };
    assert.equal((await mcp(['sync', '--override'], operate)).code, EXIT.usage);
    const nothing = await mcp(['sync', '--override', 'rift'], operate);
    assert.equal(nothing.code, EXIT.refused);
    assert.match(nothing.err, /no revision is held on node rift/);
    h.serve([service('dns', ['server'])], '7a7a7a7a7a');
    await h.pass();
    const held = await mcp(['status', 'rift']);
    assert.match(held.out, /7a7a7a7 held\s.*NEEDS_OVERRIDE/);
    const r = await mcp(['sync', '--override', 'rift'], operate);
    assert.equal(r.code, EXIT.ok, r.err);
    assert.deepEqual(
      h.runtime.list().map((i) => i.name),
      ['dns-server'],
    );
    const after = await mcp(['status', 'rift']);
    assert.equal(after.code, EXIT.ok, after.out);
  });
});

describe('mcp list', () => {
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const root = join(import.meta.dirname, '../../..');
    const code = await main(args, {
      cwd: root,
      env: { MCP_CONFIG: '/nonexistent/mcp.toml' },
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      color: false,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('lists the clone’s services of a node, with their components', async () => {
    const r = await run('list', '--repo', 'examples/services', '--node', 'vade');
    assert.equal(r.code, EXIT.ok);
    const lines = r.out.split('\n');
    assert.match(lines[0], /^SERVICE\s+NODE\s+ACTIVE\s+COMPONENTS$/);
    assert.match(lines[1], /^echo\s+vade\s+yes\s+vm \(vm \/var\/lib\/mcp\/images\/echo\.img\)$/);
    assert.ok(lines.slice(1).every((l) => /^\S+\s+vade\s/.test(l)));
    assert.match(r.out, /^pastebin-legacy\s+vade\s+no\s/m);
  });

  it('refuses an invalid clone with its errors', async () => {
    const r = await run('list', '--repo', 'examples/invalid/bad-port');
    assert.equal(r.code, EXIT.invalid);
    assert.match(r.err, /^services\/\S+\.toml:\d+:\d+ /m);
  });
});
