/**
 * `mcp stop` / `start` / `node add` / `node remove` edit one thing in a TOML file and keep the
 * rest as the operator wrote it (comments, blank lines, layout); a file whose edit leaves the
 * clone invalid is put back byte for byte.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { addNode, editFilesChecked, removeNode, setActive } from '../../src/cli/toml-edit.js';
import { McpError } from '../../src/domain/errors.js';

describe('setActive', () => {
  test('replaces an existing top-level active', () => {
    assert.equal(
      setActive('name = "a"\nactive = true # on\n[[components]]\n', false),
      'name = "a"\nactive = false # on\n[[components]]\n',
    );
  });

  test('adds active among the top-level keys when the file has none, keeping comments', () => {
    assert.equal(
      setActive('# dns\nname = "dns"\nnode = "rift" # the edge\n\n[[components]]\nname = "main"\n', false),
      '# dns\nname = "dns"\nnode = "rift" # the edge\nactive = false\n\n[[components]]\nname = "main"\n',
    );
  });

  test('never touches a key of the same name inside a table', () => {
    const text = 'name = "a"\nnode = "n"\n[[components]]\nactive = "not ours"\n';
    assert.equal(
      setActive(text, true),
      'name = "a"\nnode = "n"\nactive = true\n[[components]]\nactive = "not ours"\n',
    );
  });

  test('keeps TOML 1.x syntax it does not change: hex integers, dotted keys, inline tables', () => {
    const text =
      'name = "a"\nnode = "n"\n\n[[components]]\nname = "m"\nmemory = 0x80\nroutes = [{ name = "r", port = 80 }]\n';
    const out = setActive(text, false);
    assert.equal(out, text.replace('node = "n"\n', 'node = "n"\nactive = false\n'));
  });
});

const config = `# the operator's nodes
[auth]
token_path = "~/.config/mcp/token"  # read role

# production
[[nodes]]
name = "rift"   # the edge
address = "10.0.0.1:7410"

[[nodes]]
name = "vade"
address = "10.0.0.2:7410"
`;

describe('addNode / removeNode', () => {
  test('appends a node after the last one, comments kept', () => {
    assert.equal(
      addNode('mcp.toml', config, { name: 'orb', address: 'orb:7410' }),
      `${config}\n[[nodes]]\nname = "orb"\naddress = "orb:7410"\n`,
    );
  });

  test('adds the first node to a file that has none', () => {
    const text = '# only auth\n[auth]\ntoken_path = "t" # here\n';
    assert.equal(
      addNode('mcp.toml', text, { name: 'orb', address: 'orb:7410' }),
      `${text}\n[[nodes]]\nname = "orb"\naddress = "orb:7410"\n`,
    );
  });

  test('refuses a second node of the same name', () => {
    assert.throws(
      () => addNode('mcp.toml', config, { name: 'vade', address: 'x:1' }),
      (e: unknown) => e instanceof McpError && e.code === 'CONFLICT',
    );
  });

  test('removes exactly that node; the other entries and their comments stay', () => {
    const out = removeNode('mcp.toml', config, 'vade');
    assert.equal(out.trimEnd(), config.slice(0, config.indexOf('\n\n[[nodes]]\nname = "vade"')));
    const rift = removeNode('mcp.toml', config, 'rift');
    assert.match(rift, /token_path = "~\/.config\/mcp\/token" {2}# read role/);
    assert.doesNotMatch(rift, /rift|10\.0\.0\.1/);
    assert.match(rift, /\[\[nodes\]\]\nname = "vade"\naddress = "10\.0\.0\.2:7410"/);
  });

  test('an unknown node is NOT_FOUND, naming the ones there are', () => {
    assert.throws(
      () => removeNode('mcp.toml', config, 'orb'),
      (e: unknown) => e instanceof McpError && e.code === 'NOT_FOUND' && e.data.hint === 'nodes: rift, vade',
    );
  });
});

describe('editFilesChecked', () => {
  test('puts every edited file back byte for byte when the check fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'i11-edit-'));
    const a = join(dir, 'a.toml');
    const b = join(dir, 'b.toml');
    const bytesA = Buffer.from('name = "a"\r\n# crlf and no newline at the end', 'utf8');
    const bytesB = Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('name = "b"\n')]);
    writeFileSync(a, bytesA);
    writeFileSync(b, bytesB);
    let seen = '';
    await assert.rejects(
      editFilesChecked(
        new Map([
          [a, (t: string) => `${t}\nactive = false\n`],
          [b, () => 'broken = \n'],
        ]),
        async () => {
          seen = readFileSync(b, 'utf8');
          throw new McpError('INVALID_SPEC', 'invalid');
        },
      ),
      /invalid/,
    );
    assert.equal(seen, 'broken = \n', 'the check saw the edited file');
    assert.deepEqual(readFileSync(a), bytesA);
    assert.deepEqual(readFileSync(b), bytesB);
  });

  test('keeps the edits when the check passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'i11-edit-'));
    const a = join(dir, 'a.toml');
    writeFileSync(a, 'x = 1\n');
    assert.equal(await editFilesChecked(new Map([[a, () => 'x = 2\n']]), async () => 'ok'), 'ok');
    assert.equal(readFileSync(a, 'utf8'), 'x = 2\n');
  });
});
