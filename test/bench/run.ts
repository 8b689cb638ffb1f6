/**
 * `npm run bench`: every benchmark in turn, each in a process of its own so none inherits
 * another's heap. The converge benchmark needs the test podman (test/support/podman-up.sh),
 * as do the probes and image-check benchmarks (the latter also Debian's docker-registry); the VM benchmark QEMU and the guest image (test/support/guest-image.sh).
 * Pass sizes for it as an argument: `npm run bench -- 10,50`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const benches: [string, string[]][] = [
  ['plan.js', []],
  ['validate.js', []],
  ['toml.js', []],
  ['cli-cold.js', []],
  ['git.js', []],
  ['verify.js', []],
  ['secrets.js', []],
  ['page.js', []],
  ['file-push.js', []],
  ['api-flood.js', []],
  ['health.js', []],
  ['probes.js', []],
  ['image-check.js', []],
  ['vm.js', []],
  ['recovery.js', []],
  ['event-storm.js', []],
  ['source-edit.js', []],
  ['converge.js', process.argv.slice(2)],
  ['daemon-rss.js', process.argv.slice(2)],
];
let failed = 0;
for (const [file, args] of benches) {
  console.log(`\n## ${file.replace('.js', '')}\n`);
  const run = spawnSync(process.execPath, [join(import.meta.dirname, file), ...args], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
