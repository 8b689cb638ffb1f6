/**
 * Planner benchmark: N services x 2 components, (a) a no-op pass and (b) a pass where 5% of
 * the services changed image, on a freshly loaded revision, and (a) also in steady state.
 * Prints median (and fastest) ms per pass and µs per service as a markdown table.
 * Run: `node dist/test/bench/plan.js [iterations]`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type PlanInput, plan } from '../../src/domain/plan.js';
import type { ServiceSpec } from '../../src/domain/spec.js';
import { component, entryOf, imagesOf, instanceOf, service } from '../support/plan-builders.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const SIZES = [100, 1_000, 10_000];
const WARMUP = 10;
const iterations = Number(process.argv[2] ?? 20);

/** Ten tiers of services, each depending on one service of the tier below, like a real platform. */
function fleet(n: number): ServiceSpec[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `svc${i}`;
    const api = component(name, 'api', {
      network: 'mcpnet',
      ports: [{ hostIp: '127.0.0.1', hostPort: 20_000 + i, containerPort: 8443, protocol: 'tcp' }],
      volumes: [{ source: `/srv/${name}`, target: `/srv/${name}`, readOnly: false }],
      cmd: ['server', '--config', `/srv/${name}/${name}.toml`],
      env: ['LOG_LEVEL=info'],
      routes: [{ name: 'rest', port: 8443, mode: 'l4' }],
    });
    const web = component(name, 'web', { network: 'mcpnet', dependsOn: ['api'] });
    const tier = Math.floor((i * 10) / n);
    const dependsOn = tier > 0 ? [`svc${i - Math.ceil(n / 10)}`] : [];
    return service(name, [api, web], { dependsOn });
  });
}

/** The revision of `n` services with every `step`-th one's images bumped (no change when step is 0). */
function revision(n: number, step: number): ServiceSpec[] {
  const bump = (s: ServiceSpec): ServiceSpec => ({
    ...s,
    components: s.components.map((c) => ({ ...c, image: c.image.replace('v1.0.0', 'v1.1.0') })),
  });
  return fleet(n).map((s, i) => (step > 0 && i % step === 0 ? bump(s) : s));
}

/**
 * Times `plan()` against a node running revision(n, 0). A `fresh` pass gets spec objects built
 * anew (outside the timed section), as after loading a revision; otherwise the same objects
 * every pass, as in a steady-state agent, where a spec-hash memo may spare the hashing. The
 * heap is collected before each timed pass, so one pass does not pay for another's garbage.
 */
function measure(n: number, step: number, fresh: boolean): { ms: number; min: number; recreates: number } {
  const specs = revision(n, 0).flatMap((s) => s.components);
  const observed = { instances: specs.map((s) => instanceOf(s)), images: imagesOf(specs) };
  const base = { node: 'rift', revision: 'bench', observed, inventory: specs.map(entryOf) };
  const same = revision(n, step);
  const next = (): PlanInput => ({ ...base, services: fresh ? revision(n, step) : same });
  for (let i = 0; i < WARMUP; i++) plan(next());
  const times: number[] = [];
  let recreates = 0;
  for (let i = 0; i < iterations; i++) {
    const input = next();
    gc();
    const t0 = performance.now();
    recreates = plan(input).counts.recreated;
    times.push(performance.now() - t0);
  }
  const sorted = times.sort((x, y) => x - y);
  return { ms: sorted[Math.floor(sorted.length / 2)], min: sorted[0], recreates };
}

const CASES = [
  ['no-op, same revision objects', 0, false],
  ['no-op, freshly loaded revision', 0, true],
  ['5% changed, freshly loaded revision', 20, true],
] as const;

console.log(
  `plan() median of ${iterations} passes after ${WARMUP} warm-up passes; 2 components per service\n`,
);
console.log('| services | case | recreates | median ms / pass | min ms / pass | µs / service (median) |');
console.log('|---:|---|---:|---:|---:|---:|');
for (const n of SIZES) {
  for (const [label, step, fresh] of CASES) {
    const { ms, min, recreates } = measure(n, step, fresh);
    const perService = ((ms * 1000) / n).toFixed(1);
    console.log(`| ${n} | ${label} | ${recreates} | ${ms.toFixed(2)} | ${min.toFixed(2)} | ${perService} |`);
  }
}
