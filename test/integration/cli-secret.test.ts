/**
 * `mcp secret set|edit|rotate-recipients|list` and `mcp node add --age-recipient` as an
 * operator uses them: real age keys from `age-keygen`, files the real `age -d` decrypts, a
 * real git server the commits are pushed to, and a node's agent (real git source, API and
 * secret keeper, in-memory runtime) that converges at the pushed commit. The plain text
 * never reaches the output, and the editor's file on the tmpfs is gone afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gitSource } from '../../src/adapters/git/source.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import { openSecrets } from '../../src/agent/secrets/index.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { formatRecord } from '../../src/domain/secrets.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { runCli } from '../support/cli.js';
import type { GitServer } from '../support/git-http.js';
import { MemoryRuntime } from '../support/memory-runtime.js';
import { git, opsToken, servicesRepo, writeOperatorConfig } from '../support/services-repo.js';

const IMAGE = 'registry.example:8443/wiki:v1';
const CANARY = 'canary-7f3a9c-plain-text';

const wiki = `# wiki: kept as written\nname = "wiki"\nnode = "rift"\n\n[[components]]\nname = "main"\nimage = "${IMAGE}"\nsecrets = [{ name = "db_password", env = "DB_PASSWORD" }]\n`;
const cache = `name = "cache"\nnode = "mesa"\n\n[[components]]\nname = "main"\nimage = "${IMAGE}"\n`;

/** A fresh age identity file (0600) and its recipient, made by the real age-keygen. */
const keygen = (file: string): string => {
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  chmodSync(file, 0o600);
  return execFileSync('age-keygen', ['-y', file], { encoding: 'utf8' }).trim();
};

/** The real age CLI's decryption of `file` with `key`; undefined when it refuses. */
const ageDecrypt = (file: string, key: string): string | undefined => {
  const r = spawnSync('age', ['-d', '-i', key, file], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
};

/** The mcp-secret-* directories /dev/shm holds now. */
const shmLeftovers = (): string[] => readdirSync('/dev/shm').filter((n) => n.startsWith('mcp-secret-'));

describe('mcp secret and node add --age-recipient', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-secret-cli-'));
  const shm = mkdtempSync('/dev/shm/mcp-test-agent-secrets-');
  const clone = join(dir, 'clone');
  const keys = join(dir, 'keys');
  const secretFile = join(clone, 'secrets', 'wiki', 'db_password.age');
  const recordFile = join(clone, 'secrets', 'wiki', 'db_password.recipients');
  let bare: string;
  let server: GitServer;
  let api: ApiServer;
  let node1: string;
  let node2: string;
  let op: string;
  const runtime = new MemoryRuntime();

  const mcp = async (args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) => {
    const r = await runCli(main, args, {
      cwd: dir,
      env: {
        MCP_CONFIG: join(dir, 'mcp.toml'),
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: join(dir, 'home'),
        PATH: process.env.PATH,
        MCP_AGE_IDENTITY: join(keys, 'op.key'),
        ...opts.env,
      },
      stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    });
    assert.doesNotMatch(`${r.out}\n${r.err}`, new RegExp(CANARY), 'no plain text in any output');
    return r;
  };
  const head = () => git(clone, 'rev-parse', 'HEAD');
  const clean = () => git(clone, 'status', '--porcelain', '--untracked-files=all');

  before(async () => {
    mkdirSync(keys);
    mkdirSync(join(dir, 'home'));
    node1 = keygen(join(keys, 'node1.key'));
    node2 = keygen(join(keys, 'node2.key'));
    op = keygen(join(keys, 'op.key'));
    keygen(join(keys, 'stranger.key'));
    runtime.addImage(IMAGE);
    ({ server, bare } = await servicesRepo(dir, {
      'services/wiki.toml': wiki,
      'services/cache.toml': cache,
      '.mcp/recipients.toml': `# who reads what\n[nodes]\n# the first node\nrift = ["${node1}"]\n\n[operators]\n# the on-call\nop = ["${op}"]\n`,
    }));
    // The node's identity file holds its old and its new key, so it reads the secret before and after rotation.
    const nodeKeys = join(keys, 'rift-agent.key');
    writeFileSync(
      nodeKeys,
      readFileSync(join(keys, 'node1.key'), 'utf8') + readFileSync(join(keys, 'node2.key'), 'utf8'),
      { mode: 0o600 },
    );
    const deps = {
      node: 'rift',
      source: gitSource({ url: server.url('services.git'), branch: 'main', gitdir: join(dir, 'agent.git') }),
      runtimes: { container: runtime },
      store: await openRegistry(),
      log: silentLogger,
      secrets: await openSecrets({ identity_file: nodeKeys, runtime_dir: shm }),
    };
    await reconcileOnce(deps, defaultOptions);
    api = await startApi(
      {
        node: 'rift',
        source: deps.source.description,
        store: deps.store,
        runtimes: [runtime],
        filesRoot: '/nonexistent',
        trigger: () => reconcileOnce(deps, defaultOptions).then(() => {}),
        adopt: async () => [],
      },
      { listen: '127.0.0.1:0', tokens: [opsToken] },
      silentLogger,
    );
    writeOperatorConfig(dir, 'rift', api.url);
  });
  after(async () => {
    await api?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(shm, { recursive: true, force: true });
  });

  it('set encrypts stdin (less its newline) to the node and the operators, commits both files, and the node converges', async () => {
    const r = await mcp(['secret', 'set', 'wiki', 'db_password', '--timeout', '60'], {
      stdin: `${CANARY}\n`,
    });
    assert.equal(r.code, EXIT.ok, `${r.out}\n${r.err}`);
    assert.match(r.out, /^encrypted wiki\/db_password to (node rift, operator op|operator op, node rift)$/m);
    assert.match(readFileSync(secretFile, 'utf8'), /^-----BEGIN AGE ENCRYPTED FILE-----\n/);
    assert.equal(ageDecrypt(secretFile, join(keys, 'node1.key')), CANARY, 'the node reads it');
    assert.equal(ageDecrypt(secretFile, join(keys, 'op.key')), CANARY, 'the operator reads it');
    assert.equal(ageDecrypt(secretFile, join(keys, 'stranger.key')), undefined);
    assert.equal(readFileSync(recordFile, 'utf8'), formatRecord([node1, op]));
    assert.equal(git(dir, '--git-dir', bare, 'rev-parse', 'main'), head(), 'pushed');
    assert.equal(
      git(clone, 'show', '--name-only', '--format=%s', 'HEAD'),
      'secret set wiki/db_password\n\nsecrets/wiki/db_password.age\nsecrets/wiki/db_password.recipients',
    );
    assert.match(r.out, new RegExp(`^rift: converged ${head().slice(0, 7)} in \\d+ ms: 1 created$`, 'm'));
    assert.equal(clean(), '');
    const valid = await mcp(['validate', clone]);
    assert.equal(valid.code, EXIT.ok, valid.err);
  });

  it('set --file keeps the bytes as they are; list shows who each secret is encrypted to, and no value', async () => {
    const value = join(dir, 'tls.key');
    writeFileSync(value, `${CANARY}\nsecond line\n`);
    const r = await mcp(['secret', 'set', 'wiki', 'tls.key', '--file', value, '--no-wait']);
    assert.equal(r.code, EXIT.ok, r.err);
    rmSync(value);
    assert.equal(
      ageDecrypt(join(clone, 'secrets', 'wiki', 'tls.key.age'), join(keys, 'op.key')),
      `${CANARY}\nsecond line\n`,
    );
    const list = await mcp(['secret', 'list']);
    assert.equal(list.code, EXIT.ok, list.err);
    const lines = list.out.split('\n');
    assert.match(lines[0], /^SERVICE\s+SECRET\s+ENCRYPTED TO\s+RECIPIENTS\.TOML$/);
    assert.match(
      lines[1],
      /^wiki\s+db_password\s+(node rift, operator op|operator op, node rift)\s+current$/,
    );
    assert.match(lines[2], /^wiki\s+tls\.key\s+.*current$/);
    assert.equal(lines.length, 3);
  });

  it('set refuses, writing nothing, an unknown service, a node without recipients, an empty value, and an invalid clone', async () => {
    const at = head();
    const unknown = await mcp(['secret', 'set', 'nosuch', 'x', '--no-wait'], { stdin: CANARY });
    assert.equal(unknown.code, EXIT.notFound);
    assert.match(unknown.err, /no service named nosuch in the clone/);
    const mesa = await mcp(['secret', 'set', 'cache', 'x', '--no-wait'], { stdin: CANARY });
    assert.equal(mesa.code, EXIT.invalid);
    assert.match(
      mesa.err,
      /node mesa has no recipients in \.mcp\/recipients\.toml: nothing written\nhint: mcp node add mesa/,
    );
    const empty = await mcp(['secret', 'set', 'wiki', 'x', '--no-wait'], { stdin: '\n' });
    assert.equal(empty.code, EXIT.usage);
    assert.match(empty.err, /the value of wiki\/x is empty: nothing written/);
    const argv = await mcp(['secret', 'set', 'wiki', 'x', 'argv-value-1b2c']);
    assert.equal(argv.code, EXIT.usage, 'a value on the command line is refused');
    assert.match(argv.err, /takes no value on the command line/);
    assert.doesNotMatch(argv.err, /argv-value-1b2c/, 'and not repeated');
    assert.equal(clean(), '');

    writeFileSync(join(clone, 'services', 'cache.toml'), cache.replace('node =', 'nod ='));
    try {
      const invalid = await mcp(['secret', 'set', 'wiki', 'db_password', '--no-wait'], { stdin: 'other' });
      assert.equal(invalid.code, EXIT.invalid);
      assert.match(invalid.err, /services\/cache\.toml:2:1 nod: unknown key 'nod'/);
      assert.equal(ageDecrypt(secretFile, join(keys, 'op.key')), CANARY, 'the old value is put back');
    } finally {
      writeFileSync(join(clone, 'services', 'cache.toml'), cache);
    }
    assert.equal(clean(), '');
    assert.equal(head(), at, 'nothing committed');
  });

  it('edit opens the value in $EDITOR on a private tmpfs file, re-encrypts the change, and leaves no file behind', async () => {
    const seen = join(dir, 'editor-seen');
    const script = join(dir, 'editor.sh');
    writeFileSync(
      script,
      `#!/bin/sh\nset -e\n{ echo "$1"; stat -c %a "$1"; stat -f -c %T "$1"; [ "$(cat "$1")" = "${CANARY}" ] && echo same; } > "${seen}"\n` +
        `printf '%s\\n' "${CANARY}-edited" > "$1"\n`,
    );
    chmodSync(script, 0o755);
    const leftovers = shmLeftovers();
    const r = await mcp(['secret', 'edit', 'wiki', 'db_password', '--no-wait'], { env: { EDITOR: script } });
    assert.equal(r.code, EXIT.ok, `${r.out}\n${r.err}`);
    const [path, mode, fs, same] = readFileSync(seen, 'utf8').trim().split('\n');
    assert.match(path, /^\/dev\/shm\/mcp-secret-\w+\/db_password$/);
    assert.equal(mode, '600');
    assert.equal(fs, 'tmpfs');
    assert.equal(same, 'same', 'the editor saw the value');
    assert.equal(existsSync(path), false, 'the file is gone');
    assert.deepEqual(shmLeftovers(), leftovers);
    assert.equal(
      ageDecrypt(secretFile, join(keys, 'node1.key')),
      `${CANARY}-edited`,
      'the newline the editor added is dropped',
    );
    assert.equal(git(clone, 'log', '-1', '--format=%s'), 'secret edit wiki/db_password');
    assert.equal(clean(), '');
  });

  it('edit: saved unchanged commits nothing; an editor error, an open identity, a disk temp dir are refused', async () => {
    const at = head();
    const before = readFileSync(secretFile);
    const unchanged = await mcp(['secret', 'edit', 'wiki', 'db_password'], { env: { EDITOR: 'true' } });
    assert.equal(unchanged.code, EXIT.ok, unchanged.err);
    assert.equal(unchanged.out, 'wiki/db_password unchanged; nothing committed');
    const failed = await mcp(['secret', 'edit', 'wiki', 'db_password'], { env: { EDITOR: 'false' } });
    assert.equal(failed.code, EXIT.invalid);
    assert.match(failed.err, /edit given up \(the editor exited with 1\)/);

    const disk = join(dir, 'not-tmpfs');
    mkdirSync(disk);
    const onDisk = await mcp(['secret', 'edit', 'wiki', 'db_password'], {
      env: { EDITOR: 'true', MCP_SECRET_TMPDIR: disk },
    });
    assert.equal(onDisk.code, EXIT.config);
    assert.match(onDisk.err, /not-tmpfs is not on a tmpfs, so the plain text would reach a disk/);
    assert.deepEqual(readdirSync(disk), []);

    const open = join(keys, 'open.key');
    writeFileSync(open, readFileSync(join(keys, 'op.key')), { mode: 0o644 });
    chmodSync(open, 0o644);
    const loose = await mcp(['secret', 'edit', 'wiki', 'db_password', '--identity', open], {
      env: { EDITOR: 'true' },
    });
    assert.equal(loose.code, EXIT.config);
    assert.match(
      loose.err,
      /open\.key is readable by others \(mode 644\); it must be 0600 or stricter\nhint: chmod 600/,
    );

    const stranger = await mcp(
      ['secret', 'edit', 'wiki', 'db_password', '--identity', join(keys, 'stranger.key')],
      {
        env: { EDITOR: 'true' },
      },
    );
    assert.equal(stranger.code, EXIT.invalid);
    assert.match(stranger.err, /secrets\/wiki\/db_password\.age is not encrypted to your age identity/);
    const missing = await mcp(['secret', 'edit', 'wiki', 'nosuch'], { env: { EDITOR: 'true' } });
    assert.equal(missing.code, EXIT.notFound);
    assert.deepEqual(readFileSync(secretFile), before);
    assert.equal(head(), at);
    assert.equal(clean(), '');
  });

  it('node add --age-recipient writes recipients.toml keeping its comments, and rotate-recipients re-encrypts to the new key', async () => {
    assert.equal((await mcp(['node', 'remove', 'rift'])).code, EXIT.ok);
    const added = await mcp(['node', 'add', 'rift', api.url, '--age-recipient', node2]);
    assert.equal(added.code, EXIT.ok, added.err);
    const recipientsToml = readFileSync(join(clone, '.mcp', 'recipients.toml'), 'utf8');
    assert.equal(
      recipientsToml,
      `# who reads what\n[nodes]\n# the first node\nrift = ["${node2}"]\n\n[operators]\n# the on-call\nop = ["${op}"]\n`,
    );
    assert.match(
      added.out,
      /replaced the age recipients of rift in .*\.mcp\/recipients\.toml \(not committed: /,
    );
    assert.match(
      added.out,
      /2 secrets are not encrypted to rift's recipients yet \(wiki\/db_password, wiki\/tls\.key\): next, mcp secret rotate-recipients$/,
    );
    const listed = await mcp(['secret', 'list', 'wiki']);
    assert.match(
      listed.out,
      /^wiki\s+db_password\s+.*not to node rift; also to age1\w+…\w+: rotate-recipients$/m,
    );

    const at = head();
    const refused = await mcp(['secret', 'rotate-recipients', '--identity', join(keys, 'stranger.key')]);
    assert.equal(refused.code, EXIT.invalid);
    assert.equal(head(), at);
    assert.equal(ageDecrypt(secretFile, join(keys, 'node2.key')), undefined, 'not yet for the new key');

    const r = await mcp(['secret', 'rotate-recipients', '--timeout', '60']);
    assert.equal(r.code, EXIT.ok, `${r.out}\n${r.err}`);
    assert.match(r.out, /^re-encrypted wiki\/db_password to .*\(added node rift; removed age1\w+…\w+\)$/m);
    assert.match(r.out, /^re-encrypted wiki\/tls\.key to /m);
    assert.equal(ageDecrypt(secretFile, join(keys, 'node2.key')), `${CANARY}-edited`, 'the new key reads it');
    assert.equal(ageDecrypt(secretFile, join(keys, 'node1.key')), undefined, 'the old key does not');
    assert.equal(readFileSync(recordFile, 'utf8'), formatRecord([node2, op]));
    assert.equal(
      git(clone, 'show', '--name-only', '--format=%s', 'HEAD'),
      'secret rotate-recipients wiki\n\n.mcp/recipients.toml\nsecrets/wiki/db_password.age\nsecrets/wiki/db_password.recipients\nsecrets/wiki/tls.key.age\nsecrets/wiki/tls.key.recipients',
    );
    assert.match(r.out, new RegExp(`^rift: converged ${head().slice(0, 7)} in \\d+ ms`, 'm'));
    assert.equal((await mcp(['validate', clone])).code, EXIT.ok);

    const again = await mcp(['secret', 'rotate-recipients']);
    assert.equal(again.code, EXIT.ok);
    assert.match(again.out, /^nothing to re-encrypt: every secret is encrypted to the recipients/);
    assert.equal(clean(), '');
  });

  it('node add --age-recipient refuses a key that is not an age recipient, and writes a new recipients.toml with a header', async () => {
    const bad = await mcp(['node', 'add', 'mesa', '10.0.0.9:8443', '--age-recipient', 'ssh-ed25519 AAAA']);
    assert.equal(bad.code, EXIT.usage);
    assert.match(bad.err, /'ssh-ed25519 AAAA' is not an age recipient/);
    const fresh = join(dir, 'fresh');
    mkdirSync(fresh);
    const r = await mcp(['node', 'add', 'mesa', '10.0.0.9:8443', '--age-recipient', node1, '--repo', fresh]);
    assert.equal(r.code, EXIT.ok, r.err);
    const text = readFileSync(join(fresh, '.mcp', 'recipients.toml'), 'utf8');
    assert.match(text, /^# Who can read the secrets/);
    assert.match(text, new RegExp(`^\\[nodes\\]\\nmesa = \\["${node1}"\\]\\n\\n\\[operators\\]\\n$`, 'm'));
    assert.equal(r.out.split('\n').length, 2, 'no secrets, so no next step');
  });
});
