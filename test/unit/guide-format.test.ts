/**
 * The tested guide's format (test/support/guide.ts): which lines are commands and which their
 * output, how run-to-run values are made equal, how `...` stands for what varies, and how an id
 * the guide shows is carried into the commands that use it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { learn, matches, normalise, parseGuide, realign, replaceWords } from '../support/guide.js';

const GUIDE = [
  'Some prose.',
  '```toml',
  '$ not a command: another block',
  '```',
  '```console',
  "$ cat > a.toml <<'EOF'",
  'name = "a"',
  'EOF',
  '$ mcp-agent init --node rift \\',
  '    --listen 127.0.0.1:7410',
  'wrote a.toml',
  '',
  '$ echo done',
  'done',
  '```',
].join('\n');

describe('the tested guide format', () => {
  it('runs only console blocks; a here-document and continued lines belong to their command', () => {
    const steps = parseGuide(GUIDE);
    assert.deepEqual(
      steps.map((s) => [s.line, s.command, s.output]),
      [
        [6, 'cat > a.toml <<\'EOF\'\nname = "a"\nEOF', []],
        [9, 'mcp-agent init --node rift \\\n    --listen 127.0.0.1:7410', ['wrote a.toml', '']],
        [13, 'echo done', ['done']],
      ],
    );
    assert.deepEqual(
      steps.map((s) => s.end),
      [8, 12, 14],
    );
  });

  it('makes ids, times, durations and column widths equal, and nothing else', () => {
    assert.equal(
      normalise('rift  converged  3f9a2c1   2 s ago (41 ms)  1 unchanged  '),
      'rift converged <rev> <n> s ago (<n> ms) 1 unchanged',
    );
    assert.equal(normalise('  2026-12-04T09:15:01.739Z  healthy'), ' <time> healthy');
    assert.notEqual(normalise('rift: converged'), normalise('rift: degraded'));
    assert.notEqual(normalise('1 created'), normalise('1 unchanged'));
  });

  it('lets ... stand for lines, or for text within a line, and nothing more', () => {
    assert.ok(matches(['a', '...', 'z'], ['a', 'b', 'c', 'z']));
    assert.ok(matches(['a', '...', 'z'], ['a', 'z']));
    assert.ok(matches(['web running ... busybox'], ['web running healthy busybox']));
    assert.ok(!matches(['web running ... busybox'], ['web exited healthy busybox']));
    assert.ok(!matches(['a', '...'], ['b']));
    assert.ok(!matches(['a'], ['a', 'b']), 'a line more is a difference');
  });

  it('learns the ids a shown output stands for, and puts the real ones into later commands', () => {
    const learned = new Map<string, string>();
    const shown = `  operate  ${'1'.repeat(64)}  (name operator)\ncommitted and pushed 3f9a2c1`;
    const real = `  operate  ${'a'.repeat(64)}  (name operator)\ncommitted and pushed 9e8d7c6`;
    learn(shown, real, learned);
    assert.equal(
      replaceWords(`echo ${'1'.repeat(64)} | mcp login && git revert 3f9a2c1`, learned),
      `echo ${'a'.repeat(64)} | mcp login && git revert 9e8d7c6`,
    );
    assert.equal(
      replaceWords('hello-web on rift', new Map([['hello', 'hello-1a2b']])),
      'hello-1a2b-web on rift',
    );
  });

  it('lines a table up again after its values changed width, and leaves other lines alone', () => {
    assert.deepEqual(
      realign([
        'NODE       NAME            STATE',
        'rift  hello-web  running',
        'vade  notes-web  running',
        'hello-web: rolled back',
        '  2026-12-04T09:15:01.739Z  healthy',
      ]),
      [
        'NODE  NAME       STATE',
        'rift  hello-web  running',
        'vade  notes-web  running',
        'hello-web: rolled back',
        '  2026-12-04T09:15:01.739Z  healthy',
      ],
    );
  });
});
