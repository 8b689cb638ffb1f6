/**
 * A request cannot take the agent: it is authenticated and authorised from its headers
 * before a byte of its body is read, a file's body streams to its temporary file, a stalled
 * body is answered, and malformed input is a 400 with a code, never a 500.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiServer } from '../../src/agent/api/server.js';
import { McpError } from '../../src/domain/errors.js';
import { rawRequest, testApi, WEBHOOK_SECRET } from '../support/api-fixture.js';

const sign = (body: string) => `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`;

describe('agent API under hostile requests', () => {
  const files = mkdtempSync(join(tmpdir(), 'mcp-bounds-'));
  let api: ApiServer;
  let triggers: string[];
  before(async () => {
    ({ api, triggers } = await testApi(files, { bodyTimeoutMs: 300 }));
  });
  after(async () => {
    await api.close();
    rmSync(files, { recursive: true, force: true });
  });

  const head = (method: string, path: string, headers: Record<string, string | number>) =>
    [
      `${method} ${path} HTTP/1.1`,
      'host: agent',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ].join('\r\n');

  it('answers an unauthenticated upload from its headers, without waiting for its 50 MB body', async () => {
    const answer = await rawRequest(
      api.url,
      head('PUT', '/v1/files/wiki/big', { 'content-length': 50_000_000 }),
    );
    assert.ok(answer, 'an answer came while the body was still unsent');
    assert.equal(answer.status, 401);
    assert.equal(JSON.parse(answer.body).error.code, 'UNAUTHORIZED');
  });

  it('closes the connection of a refused request whose body keeps trickling', async () => {
    const { hostname, port } = new URL(api.url);
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (d) => {
      answer += d;
    });
    // Closing under a client that keeps writing may reach it as a reset; either way it is closed.
    const reset = new Promise<string>((resolve) =>
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? '')),
    );
    const closed = new Promise<boolean>((resolve) => {
      socket.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 5000);
    });
    socket.write(`${head('PUT', '/v1/files/wiki/slow', { 'content-length': 1_000_000 })}\r\n\r\n`);
    const trickle = setInterval(() => socket.write('x'), 50);
    try {
      assert.equal(await closed, true, 'the agent closed the connection');
      const error = await Promise.race([reset, Promise.resolve('')]);
      assert.ok(['', 'ECONNRESET', 'EPIPE'].includes(error), `closed cleanly or reset, not ${error}`);
      assert.match(answer, /^HTTP\/1\.1 401 /);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  it('refuses a read token’s upload from its headers too', async () => {
    const answer = await rawRequest(
      api.url,
      head('PUT', '/v1/files/wiki/big', { 'content-length': 50_000_000, authorization: 'Bearer read-token' }),
    );
    assert.equal(answer?.status, 403);
    assert.equal(JSON.parse(answer?.body ?? '{}').error.code, 'FORBIDDEN');
  });

  it('refuses an unsigned webhook before reading its body', async () => {
    const answer = await rawRequest(api.url, head('POST', '/v1/webhook', { 'content-length': 50_000 }));
    assert.equal(answer?.status, 401);
  });

  it('answers 408 when an authorised body stalls, and writes nothing', async () => {
    const answer = await rawRequest(
      api.url,
      head('PUT', '/v1/files/wiki/stalled', {
        'content-length': 1000,
        authorization: 'Bearer operate-token',
      }),
      'only ten b',
    );
    assert.equal(answer?.status, 408);
    assert.equal(JSON.parse(answer?.body ?? '{}').error.code, 'TIMEOUT');
    assert.deepEqual(readdirSync(join(files, 'wiki')), [], 'the temporary file is gone');
  });

  it('answers a malformed percent-encoding with 400 USAGE, not 500', async () => {
    for (const bad of ['%E0%A4%A', '%c0%ae', '%ff', 'a%']) {
      for (const method of ['GET', 'PUT']) {
        const res = await fetch(`${api.url}/v1/files/wiki/${bad}`, {
          method,
          headers: { authorization: 'Bearer operate-token' },
          ...(method === 'PUT' && { body: 'x' }),
        });
        const body = await res.json();
        assert.equal(res.status, 400, `${method} ${bad}`);
        assert.equal(body.error.code, 'USAGE');
        assert.match(body.error.message, /malformed percent-encoding/);
      }
    }
  });

  it('gives every refusal a code: 401, 403, 404, 405, 413', async () => {
    const codeOf = async (path: string, init: RequestInit) => {
      const res = await fetch(`${api.url}${path}`, init);
      return `${res.status} ${(await res.json()).error.code}`;
    };
    assert.equal(await codeOf('/v1/status', {}), '401 UNAUTHORIZED');
    assert.equal(
      await codeOf('/v1/reconcile', { method: 'POST', headers: { authorization: 'Bearer read-token' } }),
      '403 FORBIDDEN',
    );
    assert.equal(
      await codeOf('/v1/nothing', { headers: { authorization: 'Bearer read-token' } }),
      '404 NOT_FOUND',
    );
    assert.equal(
      await codeOf('/v1/status', { method: 'POST', headers: { authorization: 'Bearer read-token' } }),
      '405 METHOD_NOT_ALLOWED',
    );
    const big = JSON.stringify({ pad: 'x'.repeat(2 << 20) });
    assert.equal(
      await codeOf('/v1/webhook', {
        method: 'POST',
        body: big,
        headers: { 'x-hub-signature-256': sign(big) },
      }),
      '413 TOO_LARGE',
    );
  });

  it('never lets a webhook whose ref is not a string past the branch filter', async () => {
    for (const ref of [['refs/heads/main'], 42, null, { name: 'main' }]) {
      const body = JSON.stringify({ ref });
      const res = await fetch(`${api.url}/v1/webhook`, {
        method: 'POST',
        body,
        headers: { 'x-hub-signature-256': sign(body), 'x-github-event': 'push' },
      });
      assert.equal(res.status, 202);
      assert.equal((await res.json()).triggered, false, JSON.stringify(ref));
    }
    assert.deepEqual(triggers, []);
  });
});

describe('uploads under the default idle timeout', () => {
  it('streams a pushed file to its temporary file while it arrives', async (t) => {
    const files = mkdtempSync(join(tmpdir(), 'mcp-stream-'));
    mkdirSync(join(files, 'wiki'));
    const { api } = await testApi(files);
    t.after(async () => {
      await api.close();
      rmSync(files, { recursive: true, force: true });
    });
    const half = Buffer.alloc(512 * 1024, 'a');
    const req = request(`${api.url}/v1/files/wiki/streamed.bin`, {
      method: 'PUT',
      headers: { authorization: 'Bearer operate-token', 'content-length': half.length * 2 },
    });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    req.write(half);
    const temp = async (): Promise<number> => {
      for (let i = 0; i < 100; i++) {
        const names = readdirSync(join(files, 'wiki')).filter((n) => n.startsWith('.mcp-push-'));
        const size = names.length ? statSync(join(files, 'wiki', names[0])).size : 0;
        if (size >= half.length) return size;
        await sleep(50);
      }
      return 0;
    };
    assert.equal(await temp(), half.length, 'the first half is on disk before the second is sent');
    req.end(half);
    assert.equal(await answered, 200);
    assert.equal(statSync(join(files, 'wiki', 'streamed.bin')).size, half.length * 2);
  });

  it('refused, are answered 401 while their clients are still sending, not cut off by a reset', async () => {
    const files = mkdtempSync(join(tmpdir(), 'mcp-refused-'));
    const { api } = await testApi(files);
    const body = Buffer.alloc(8 << 20, 'x');
    const upload = () =>
      new Promise<number | string>((resolve) => {
        const req = request(`${api.url}/v1/files/wiki/big.bin`, {
          method: 'PUT',
          headers: { 'content-length': body.length },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        req.end(body);
      });
    try {
      assert.deepEqual(await Promise.all(Array.from({ length: 8 }, upload)), Array(8).fill(401));
    } finally {
      await api.close();
      rmSync(files, { recursive: true, force: true });
    }
  });
});

describe('the webhook secret', () => {
  it('is a configuration error when empty or under 16 bytes', async () => {
    for (const secret of ['', 'short', '15-bytes-secret']) {
      await assert.rejects(
        testApi('/nonexistent', { webhookSecret: secret }).then(({ api }) => api.close()),
        (err: unknown) =>
          err instanceof McpError && err.code === 'INVALID_CONFIG' && /at least 16/.test(err.message),
        JSON.stringify(secret),
      );
    }
  });
});
