/**
 * Planner benchmark: N services x 2 components, (a) a no-op pass and (b) a pass where 5% of
 * the services changed image. Prints median (and fastest) ms per pass and µs per service as a markdown table.
 * Run: `node dist/test/bench/plan.js [iterations]`.
 */
import { type PlanInput, plan } from '../../src/domain/plan.js';
import type { ServiceSpec } from '../../src/domain/spec.js';
import { component, entryOf, imagesOf, instanceOf, service } from '../support/plan-builders.js';

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

function scenario(n: number, changedShare: number): PlanInput {
  const services = fleet(n);
  const specs = services.flatMap((s) => s.components);
  const observed = { instances: specs.map((s) => instanceOf(s)), images: imagesOf(specs) };
  const inventory = specs.map(entryOf);
  const step = Math.round(1 / changedShare);
  const desired = services.map((s, i) =>
    i % step === 0
      ? { ...s, components: s.components.map((c) => ({ ...c, image: c.image.replace('v1.0.0', 'v1.1.0') })) }
      : s,
  );
  return {
    node: 'rift',
    revision: 'bench',
    services: changedShare ? desired : services,
    observed,
    inventory,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(input: PlanInput): { ms: number; min: number; actions: number } {
  let actions = 0;
  for (let i = 0; i < WARMUP; i++) plan(input);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    const p = plan(input);
    times.push(performance.now() - t0);
    actions = p.counts.recreate;
  }
  return { ms: median(times), min: Math.min(...times), actions };
}

console.log(
  `plan() median of ${iterations} passes after ${WARMUP} warm-up passes; 2 components per service\n`,
);
console.log('| services | case | recreates | median ms / pass | min ms / pass | µs / service (median) |');
console.log('|---:|---|---:|---:|---:|---:|');
for (const n of SIZES) {
  for (const [label, share] of [
    ['no-op', 0],
    ['5% changed', 0.05],
  ] as const) {
    const { ms, min, actions } = measure(scenario(n, share));
    const perService = ((ms * 1000) / n).toFixed(1);
    console.log(`| ${n} | ${label} | ${actions} | ${ms.toFixed(2)} | ${min.toFixed(2)} | ${perService} |`);
  }
}
