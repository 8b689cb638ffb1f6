/**
 * The pieces of `mcp secret` that need no git server: the recipients file edit, the
 * operator's identity file checks, the tmpfs file of `edit`, and how a piped value is read.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { decryptFile, encryptArmored } from '../../src/adapters/age/crypt.js';
import { readIdentityFile } from '../../src/adapters/age/identity.js';
import type { CliContext } from '../../src/cli/context.js';
import { checkTmpfs, withTmpfsFile } from '../../src/cli/secret-tmpfs.js';
import { readValue } from '../../src/cli/secret-value.js';
import { setNodeRecipients } from '../../src/cli/toml-edit.js';
import type { McpError } from '../../src/domain/errors.js';
import { parseRecipients } from '../../src/validate/secrets.js';

const K1 = `age1${'q'.repeat(58)}`;
const K2 = `age1${'p'.repeat(58)}`;

describe('mcp secret, without a repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-secret-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('setNodeRecipients adds a node, replaces its keys, keeps comments, and starts a missing file with a header', () => {
    const text = `# who\n[nodes]\n# first\nrift = ["${K1}"] # old key\n\n[operators]\nop = ["${K1}"]\n`;
    const replaced = setNodeRecipients('r.toml', text, 'rift', [K2]);
    assert.equal(replaced.replaced, true);
    assert.equal(replaced.text, text.replace(`rift = ["${K1}"]`, `rift = ["${K2}"]`));
    const added = setNodeRecipients('r.toml', text, 'mesa', [K1, K2]);
    assert.equal(added.replaced, false);
    assert.match(added.text, /^# first\nrift = .*# old key$/m);
    assert.deepEqual(parseRecipients(added.text), {
      ok: true,
      value: { nodes: { rift: [K1], mesa: [K1, K2] }, operators: { op: [K1] } },
    });
    const fresh = setNodeRecipients('r.toml', '', 'rift', [K1]);
    assert.match(fresh.text, /^# Who can read the secrets/);
    assert.deepEqual(parseRecipients(fresh.text), {
      ok: true,
      value: { nodes: { rift: [K1] }, operators: {} },
    });
  });

  it('an identity file must exist, be 0600 or stricter, and hold an age identity; it decrypts what was encrypted to it', async () => {
    const key = join(dir, 'op.key');
    execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
    chmodSync(key, 0o600);
    const recipient = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
    const identities = await readIdentityFile(key);
    const armored = await encryptArmored([recipient], Buffer.from('v'));
    assert.equal(Buffer.from(await decryptFile('x.age', Buffer.from(armored), identities)).toString(), 'v');

    chmodSync(key, 0o640);
    await assert.rejects(
      readIdentityFile(key),
      (e: McpError) => e.code === 'INVALID_CONFIG' && /mode 640/.test(e.message),
    );
    await assert.rejects(readIdentityFile(join(dir, 'none.key')), /no such file/);
    const empty = join(dir, 'empty.key');
    writeFileSync(empty, '# nothing\n', { mode: 0o600 });
    await assert.rejects(readIdentityFile(empty), /holds no age identity/);
  });

  it('the edit file lives on a tmpfs only, private, and is gone after use, also when the use throws', async () => {
    await assert.rejects(checkTmpfs(dir), (e: McpError) => e.code === 'INVALID_CONFIG');
    await assert.rejects(
      withTmpfsFile(dir, 'x', Buffer.from('v'), async () => 0),
      /is not on a tmpfs/,
    );
    let seen = '';
    await assert.rejects(
      withTmpfsFile('/dev/shm', 'x', Buffer.from('v'), async (file) => {
        seen = file;
        assert.ok(existsSync(file));
        throw new Error('editor broke');
      }),
      /editor broke/,
    );
    assert.match(seen, /^\/dev\/shm\/mcp-secret-\w+\/x$/);
    assert.equal(existsSync(seen), false);
    assert.equal(existsSync(join(seen, '..')), false);
  });

  it('a piped value loses one trailing newline; a file keeps its bytes', async () => {
    const ctx = (stdin: string): CliContext => ({
      cwd: dir,
      env: {},
      out: () => {},
      err: () => {},
      color: false,
      stdin: Readable.from([Buffer.from(stdin)]),
    });
    assert.equal((await readValue(ctx('pw\n'), undefined, '')).toString(), 'pw');
    assert.equal((await readValue(ctx('pw\r\n'), undefined, '')).toString(), 'pw');
    assert.equal((await readValue(ctx('a\nb\n\n'), undefined, '')).toString(), 'a\nb\n');
    writeFileSync(join(dir, 'v'), 'pem\n');
    assert.equal((await readValue(ctx(''), 'v', '')).toString(), 'pem\n');
    await assert.rejects(readValue(ctx(''), 'nosuch', ''), (e: McpError) => e.code === 'NOT_FOUND');
  });
});
