/**
 * A real `mcp-agent run` process for the tests that need the whole daemon (its loop, prober and
 * requeued passes): started on a config file, its API found from its log, every line it writes
 * kept, passes asked of its API, and killed by the test's `after`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const AGENT = join(import.meta.dirname, '../../src/agent/main.js');

export interface AgentProcess {
  api: string;
  /** Every line the agent wrote, stdout and stderr. */
  logs: string[];
  /** GET `path` with `token`, as text. */
  get(path: string): Promise<string>;
  /** A pass asked of the API and waited for: how it ended. */
  pass(): Promise<{ result: string; summary: string; errors: { code: string; message: string }[] }>;
  kill(): void;
}

/** Starts the agent on `config` with the operate token `token` (and `env`); resolves once its API answers. */
export const startAgent = (config: string, token: string, env?: NodeJS.ProcessEnv): Promise<AgentProcess> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [AGENT, 'run', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env && { env }),
    });
    const logs: string[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the agent did not start within 60 s: ${logs.join('\n')}`));
    }, 60_000);
    const headers = { authorization: `Bearer ${token}` };
    const started = (api: string): AgentProcess => ({
      api,
      logs,
      get: async (path) => (await fetch(`${api}${path}`, { headers })).text(),
      pass: async () => {
        const res = await fetch(`${api}/v1/reconcile?wait=true`, { method: 'POST', headers });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        return JSON.parse(text).lastPass;
      },
      kill: () => {
        if (child.exitCode === null) child.kill('SIGKILL');
      },
    });
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream }).on('line', (text) => {
        logs.push(text);
        let line: { message?: string; api?: string } = {};
        try {
          line = JSON.parse(text);
        } catch {}
        if (line.message === 'agent started' && line.api) {
          clearTimeout(timer);
          resolve(started(line.api));
        }
      });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the agent exited (${code}): ${logs.join('\n')}`));
    });
  });

/** Polls `check` (what the agent or podman reports) every 250 ms for up to 60 s; fails with `detail()`. */
export const until = async (
  what: string,
  check: () => Promise<boolean>,
  detail: () => Promise<string> = async () => '',
): Promise<void> => {
  for (let k = 0; k < 240; k++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within 60 s; ${await detail()}`);
};
