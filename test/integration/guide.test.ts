/**
 * docs/guide.md cannot rot: every command of its `console` blocks is run, in order, in one
 * bash session with a fresh HOME, against a real git smart-HTTP server, two real agents
 * (started by the guide's own commands) and the real podman, and what each prints is compared
 * with what the guide shows (test/support/guide.ts says how: volatile values normalised, ids
 * the guide reuses learned).
 *
 * The guide reads as an operator's session: nodes rift and vade, services hello and notes,
 * ports 7410, 7411, 8080 and 8081, the repository at https://git.example.com/ops/services.git,
 * podman at /run/podman/podman.sock, the image docker.io/library/busybox:1.36, HOME /home/op.
 * The run uses names of its own (suffixed with a run id), free ports, this machine's test
 * podman and image and a temporary HOME: `MAP` swaps them into each command and back out of
 * each output. Everything the run made goes in `after`, also when a step fails: the shell's
 * process group (the agents it started in the background), the containers of its services,
 * the git server, the directory.
 *
 * MCP_GUIDE_WRITE=1 writes the real outputs (names swapped back, tables lined up again) into
 * the guide instead of comparing, to remake it after a deliberate change of what a command
 * prints; an output shown with `...` that still matches is kept as it is. MCP_GUIDE_TIMES=1
 * prints how long each command took.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { type GitServer, startGitServer } from '../support/git-http.js';
import { type GuideStep, learn, matches, parseGuide, realign, replaceWords } from '../support/guide.js';
import { closedPorts } from '../support/net.js';
import { IMAGE_V1, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';

const GUIDE = join(import.meta.dirname, '../../../docs/guide.md');
const DIST = join(import.meta.dirname, '../..');
const WRITE = process.env.MCP_GUIDE_WRITE === '1';
const RUN = randomBytes(2).toString('hex');
const SERVICES = ['hello', 'notes'];
/** How long one command may take before the run is failed (an agent that never converges). */
const STEP_MS = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while any process of group `pgid` lives. */
const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('docs/guide.md, run as written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-guide-'));
  const home = join(dir, 'home');
  let server: GitServer | undefined;
  let shell: ChildProcess | undefined;
  /** The guide's words -> this run's. */
  const forward = new Map<string, string>();
  const backward = new Map<string, string>();
  /** Ids the guide shows -> the ones this run printed. */
  const learned = new Map<string, string>();
  const markers: ((line: string) => void)[] = [];
  let shellErr = '';

  /** Runs `command` in the session; what it printed (stdout and stderr) and its exit code. */
  const run = async (n: number, command: string): Promise<string> => {
    const file = join(dir, 'steps', `${n}.sh`);
    const out = join(dir, 'steps', `${n}.out`);
    writeFileSync(file, `${command}\n`);
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`step ${n} did not finish within ${STEP_MS / 1000} s`)),
        STEP_MS,
      );
      markers.push((line) => {
        if (line.startsWith(`__DONE__ ${n} `)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    shell!.stdin!.write(
      `source '${file}' </dev/null >'${out}' 2>&1; __rc=$?; echo "__DONE__ ${n} $__rc"; (exit $__rc)\n`,
    );
    await done;
    return readFileSync(out, 'utf8');
  };

  before(async () => {
    await requirePodman();
    mkdirSync(join(dir, 'steps'));
    mkdirSync(home);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const [name, main] of [
      ['mcp', 'src/cli/main.js'],
      ['mcp-agent', 'src/agent/main.js'],
    ]) {
      writeFileSync(join(bin, name), `#!/bin/sh\nexec '${process.execPath}' '${join(DIST, main)}' "$@"\n`);
      chmodSync(join(bin, name), 0o755);
    }
    writeFileSync(
      join(home, '.gitconfig'),
      '[user]\n\tname = Op\n\temail = op@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n',
    );
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(dir, 'git', 'ops', 'services.git')]);
    server = await startGitServer(join(dir, 'git'));
    const [rift, vade, hello, notes] = await closedPorts(4);
    const words: [string, string][] = [
      ['https://git.example.com', server.url('').replace(/\/$/, '')],
      ['/run/podman/podman.sock', podmanSocket],
      ['docker.io/library/busybox:1.36', IMAGE_V1],
      ['/home/op', home],
      ['rift', `rift-${RUN}`],
      ['vade', `vade-${RUN}`],
      ...SERVICES.map((s): [string, string] => [s, `${s}-${RUN}`]),
      ['7410', String(rift)],
      ['7411', String(vade)],
      ['8080', String(hello)],
      ['8081', String(notes)],
    ];
    for (const [guide, real] of words) {
      forward.set(guide, real);
      backward.set(real, guide);
    }
    // Should this process end without its after hook (killed by a runner's timeout), the
    // agents still go with it.
    process.once('exit', () => {
      if (shell?.pid !== undefined && groupAlive(shell.pid)) process.kill(-shell.pid, 'SIGKILL');
    });
    shell = spawn('bash', ['--noprofile', '--norc'], {
      cwd: home,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: home,
        NO_COLOR: '1',
        LANG: 'C.UTF-8',
        GIT_CONFIG_NOSYSTEM: '1',
      },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: shell.stdout! }).on('line', (line) => {
      for (const m of markers) m(line);
    });
    shell.stderr!.on('data', (d) => {
      shellErr += d;
    });
  });

  after(async () => {
    const pgid = shell?.pid;
    if (pgid !== undefined && groupAlive(pgid)) {
      shell?.stdin?.end();
      process.kill(-pgid, 'SIGTERM');
      for (let k = 0; k < 100 && groupAlive(pgid); k++) await sleep(100);
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    }
    for (const s of SERVICES) await removeContainers(`${s}-${RUN}-`);
    await server?.close();
    if (process.env.MCP_GUIDE_KEEP === '1') console.error(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('every command prints what the guide shows', async () => {
    const text = readFileSync(GUIDE, 'utf8');
    const steps = parseGuide(text);
    assert.ok(steps.length > 10, 'the guide has its commands');
    const written: { step: GuideStep; command: string; output: string[] }[] = [];
    for (const [n, step] of steps.entries()) {
      const command = replaceWords(replaceWords(step.command, learned), forward);
      const started = Date.now();
      const real = replaceWords(await run(n, command), backward).replace(/\n$/, '');
      if (process.env.MCP_GUIDE_TIMES === '1')
        console.error(
          `${Date.now() - started} ms  docs/guide.md:${step.line}  $ ${step.command.split('\n')[0]}`,
        );
      const realLines = real === '' ? [] : real.split('\n').map((l) => l.trimEnd());
      learn(step.output.join('\n'), real, learned);
      const same = matches(step.output, realLines);
      if (WRITE) {
        console.error(`$ ${command}\n${real}`);
        written.push({
          step,
          command: replaceWords(step.command, learned),
          output: same && step.output.some((l) => l.includes('...')) ? step.output : realign(realLines),
        });
        continue;
      }
      assert.ok(
        same,
        `docs/guide.md:${step.line}: $ ${step.command.split('\n')[0]}\n--- shown:\n${step.output.join('\n')}\n--- printed:\n${realLines.join('\n')}\n${shellErr}`,
      );
    }
    if (WRITE) writeFileSync(GUIDE, rewrite(text, written));
  });
});

/** `text` with each step's command and output replaced (from the end, so line numbers hold). */
const rewrite = (text: string, steps: { step: GuideStep; command: string; output: string[] }[]): string => {
  const lines = text.split('\n');
  for (const { step, command, output } of [...steps].reverse()) {
    lines.splice(step.line - 1, step.end - (step.line - 1), ...`$ ${command}`.split('\n'), ...output);
  }
  return lines.join('\n');
};
