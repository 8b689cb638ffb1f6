/**
 * The `mcp` executable as an operator meets it: a child process per case, checking stdout,
 * stderr and the exit code for help, version, usage errors, colour and error reporting.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from '../../src/cli/context.js';
import { EXIT_CODE_TABLE, exitCodeOf } from '../../src/cli/exit-codes.js';
import { COMMANDS, main } from '../../src/cli/main.js';
import type { ErrorCode } from '../../src/domain/errors.js';
import { runCli } from '../support/cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'dist/src/cli/main.js');
const examples = join(root, 'examples/services');

/** Runs `mcp` with stdout and stderr as pipes (so: not a TTY). */
const mcp = (args: string[], env: Record<string, string> = {}, cwd = root) => {
  const clean = { ...process.env };
  delete clean.NO_COLOR;
  delete clean.FORCE_COLOR;
  delete clean.MCP_DEBUG;
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, env: { ...clean, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const STACK = /^\s+at /m;

describe('mcp help', () => {
  it('lists exactly the commands that exist, for --help, -h and help', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const { code, out } = mcp(args);
      assert.equal(code, 0);
      const listed = [...out.matchAll(/^ {2}([a-z]+) {2,}\S/gm)].map((m) => m[1]);
      assert.deepEqual(listed, [
        'validate',
        'plan',
        'render',
        'list',
        'status',
        'ps',
        'sync',
        'deploy',
        'stop',
        'start',
        'adopt',
        'push',
        'pull',
        'node',
        'login',
        'restart',
        'suspend',
        'resume',
        'service',
        'secret',
        'ui',
      ]);
    }
  });

  it('has a real module for every listed command: no stubs', async () => {
    for (const name of Object.keys(COMMANDS)) {
      const mod = (await import(`../../src/cli/commands/${name}.js`)) as CommandModule;
      assert.equal(typeof mod.run, 'function', name);
      assert.match(mod.help, new RegExp(`^usage: mcp ${name}\\b`), name);
    }
  });

  it('prints the usage of every command for --help, -h and `help NAME`, exit 0', async () => {
    // --help through the executable; every spelling through main, in this process (80 processes took 30 s).
    for (const name of Object.keys(COMMANDS)) {
      const { code, out, err } = mcp([name, '--help']);
      assert.equal(code, 0, `${name} --help`);
      assert.match(out, new RegExp(`^usage: mcp ${name}\\b`), `${name} --help`);
      assert.equal(err, '');
      for (const args of [
        [name, '-h'],
        ['help', name],
        [name, '--bogus', '--help'],
      ]) {
        const r = await runCli(main, args, { cwd: root, env: {} });
        assert.equal(r.code, 0, args.join(' '));
        assert.match(r.out, new RegExp(`^usage: mcp ${name}\\b`), args.join(' '));
        assert.equal(r.err, '');
      }
    }
  });

  it('prints the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.deepEqual(mcp(['--version']), { code: 0, out: `mcp ${pkg.version}\n`, err: '' });
  });

  it('documents the exit codes', () => {
    const { code, out } = mcp(['help', 'exit-codes']);
    assert.equal(code, 0);
    assert.match(out, /^\| 2 \| `mcp plan`: the revisions differ/m);
    assert.match(out, /^\| 64 \| bad command line.*\| USAGE, TOO_LARGE \|$/m);
  });
});

describe('mcp usage errors', () => {
  it('rejects an unknown command with exit 64 and the list of commands', () => {
    const { code, out, err } = mcp(['deplyo']);
    assert.equal(code, 64);
    assert.equal(out, '');
    assert.equal(
      err,
      "mcp: unknown command 'deplyo'\nhint: commands: validate, plan, render, list, status, ps, sync, deploy, stop, start, adopt, push, pull, node, login, restart, suspend, resume, service, secret, ui; see mcp --help\n",
    );
  });

  it('prints the general usage on stderr with exit 64 when no command is given', () => {
    const { code, out, err } = mcp([]);
    assert.equal(code, 64);
    assert.equal(out, '');
    assert.match(err, /^usage: mcp <command>/);
  });

  it("rejects an unknown flag with exit 64 and the command's usage lines", () => {
    const { code, err } = mcp(['render', 'mcr', '--colour']);
    assert.equal(code, 64);
    assert.match(err, /^mcp: Unknown option '--colour'\n\nusage: mcp render SERVICE/);
    assert.match(err, /\(--help for details\)\n$/);
    assert.doesNotMatch(err, STACK);
  });
});

describe('mcp error reporting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-main-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a user error in one line plus hint, no stack trace, with its exit code', () => {
    const { code, out, err } = mcp(['render', 'nope', '--repo', examples]);
    assert.equal(code, 66);
    assert.equal(out, '');
    assert.match(err, /^mcp: unknown service nope\nhint: services: [a-z, -]+\n$/);
  });

  it('reports an unexpected error as internal, exit 70, stack only with MCP_DEBUG=1', async () => {
    const run = async (env: Record<string, string>) => {
      const err: string[] = [];
      const failingOut = () => {
        throw new TypeError('injected fault');
      };
      const code = await main(['--version'], {
        cwd: root,
        env,
        color: false,
        out: failingOut,
        err: (t) => err.push(t),
      });
      return { code, err: err.join('\n') };
    };
    const quiet = await run({});
    assert.equal(quiet.code, 70);
    assert.match(
      quiet.err,
      /^mcp: internal error: injected fault\nhint: this is a bug in mcp; rerun with MCP_DEBUG=1/,
    );
    assert.doesNotMatch(quiet.err, STACK);
    const debug = await run({ MCP_DEBUG: '1' });
    assert.equal(debug.code, 70);
    assert.match(debug.err, STACK);
  });
});

describe('mcp colour', () => {
  const repo = mkdtempSync(join(tmpdir(), 'mcp-main-colour-'));
  const planArgs = ['plan', '--base', 'HEAD~1', '--head', 'HEAD'];
  const ANSI = /\x1b\[/;
  before(() => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo });
    const file = (v: string) =>
      `name = "app"\nnode = "rift"\n[[components]]\nname = "web"\nimage = "x.example/app:${v}"\n`;
    git('init', '-q', '-b', 'main');
    mkdirSync(join(repo, 'services'));
    writeFileSync(join(repo, 'services', 'app.toml'), file('v1'));
    git('add', '-A');
    git('commit', '-qm', 'one');
    writeFileSync(join(repo, 'services', 'app.toml'), file('v2'));
    git('commit', '-qam', 'two');
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('writes no colour when stdout is not a terminal', () => {
    const { code, out } = mcp(planArgs, {}, repo);
    assert.equal(code, 2);
    assert.match(out, /~ recreate app-web/);
    assert.doesNotMatch(out, ANSI);
  });

  it('colours on a terminal, and NO_COLOR turns it off there', () => {
    const onTty = (env: string) =>
      execFileSync(
        'script',
        ['-qec', `${env} ${process.execPath} ${bin} ${planArgs.join(' ')}; true`, '/dev/null'],
        {
          cwd: repo,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '' },
        },
      );
    assert.match(onTty('env'), ANSI);
    assert.doesNotMatch(onTty('env NO_COLOR=1'), ANSI);
  });

  it('FORCE_COLOR=1 colours a pipe unless NO_COLOR is set', () => {
    assert.match(mcp(planArgs, { FORCE_COLOR: '1' }, repo).out, ANSI);
    assert.doesNotMatch(mcp(planArgs, { FORCE_COLOR: '1', NO_COLOR: '1' }, repo).out, ANSI);
  });
});

describe('exit-code table', () => {
  it('maps every error code, and every exit code appears once in ascending order', () => {
    const codes = EXIT_CODE_TABLE.map((r) => r.code);
    assert.deepEqual(
      codes,
      [...new Set(codes)].sort((a, b) => a - b),
    );
    const mapped = EXIT_CODE_TABLE.flatMap((r) => r.errors).sort();
    const all: ErrorCode[] = [
      'AGENT_UNAVAILABLE',
      'BOOT_TIMEOUT',
      'CONFLICT',
      'FORBIDDEN',
      'IMAGE_UNAVAILABLE',
      'INTERNAL',
      'INVALID_CONFIG',
      'INVALID_SPEC',
      'JOB_FAILED',
      'METHOD_NOT_ALLOWED',
      'NEEDS_OVERRIDE',
      'NOT_FOUND',
      'POLICY_VIOLATION',
      'RUNTIME',
      'RUNTIME_UNAVAILABLE',
      'SECRET_UNAVAILABLE',
      'SOURCE_UNAVAILABLE',
      'SUSPENDED',
      'TIMEOUT',
      'TOO_LARGE',
      'UNAUTHORIZED',
      'UNVERIFIED',
      'USAGE',
    ];
    assert.deepEqual(mapped, all);
    assert.equal(exitCodeOf('INVALID_SPEC'), 1);
    assert.equal(exitCodeOf('USAGE'), 64);
    assert.equal(exitCodeOf('INTERNAL'), 70);
  });
});
