/**
 * Parse + validate of 1,000 service files with the `toml` parser the code uses (5.x, TOML 1.1)
 * against the 3.x it replaced (TOML 0.4), in the same run on the same texts: the parser alone,
 * and the parser plus the precompiled schema check. Also the whole loader (parse, schema,
 * semantic checks, normalisation) on fresh texts, so no parse is served from its memo.
 * `node dist/test/bench/toml.js [files] [rounds]`.
 */
import { createRequire } from 'node:module';
import validate from '../../src/generated/service.validate.js';
import { loadRevisionFromFiles } from '../../src/spec/load.js';

const require = createRequire(import.meta.url);
const toml5: { parse: (t: string) => unknown } = require('toml');
const toml3: { parse: (t: string) => unknown } = require('toml3');

const files = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 7);

/** A realistic service file (the shape of examples/services), valid TOML 0.4 so 3.x reads it too. */
const text = (n: number, round: number) => `# service ${n} of round ${round}
name = "svc-${round}-${n}"
node = "rift"
depends_on = []

[[components]]
name = "api"
image = "mcr.svc.mcp.metacircular.net:8443/svc${n}:v1.${round}.0"
network = "mcpnet"
user = "0:0"
restart = "unless-stopped"
ports = ["127.0.0.1:${10000 + n}:8443"]
volumes = ["/srv/svc${n}:/srv/svc${n}"]
cmd = ["server", "--config", "/srv/svc${n}/svc.toml"]
env = ["LOG_LEVEL=info", "INSTANCE=${n}"]

[[components.routes]]
name = "rest"
port = 8443

[[components]]
name = "web"
image = "mcr.svc.mcp.metacircular.net:8443/svc${n}-web:v1.${round}.0"
depends_on = ["api"]
`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn: () => void): number => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};

const texts = Array.from({ length: files }, (_, n) => text(n, 0));
const check = (parse: (t: string) => unknown) => () => {
  for (const t of texts) if (!validate(parse(t))) throw new Error('a benchmark file does not validate');
};
const parseOnly = (parse: (t: string) => unknown) => () => {
  for (const t of texts) parse(t);
};

const results: Record<string, number[]> = { p5: [], p3: [], v5: [], v3: [], load: [] };
for (let r = 0; r < rounds; r++) {
  // interleaved, so drift in the machine's speed hits both parsers alike
  results.p3.push(time(parseOnly(toml3.parse)));
  results.p5.push(time(parseOnly(toml5.parse)));
  results.v3.push(time(check(toml3.parse)));
  results.v5.push(time(check(toml5.parse)));
  const fresh = Array.from({ length: files }, (_, n) => ({
    path: `services/svc-${r + 1}-${n}.toml`,
    text: text(n, r + 1),
  }));
  results.load.push(
    time(() => {
      const loaded = loadRevisionFromFiles(fresh);
      if (!loaded.ok) throw new Error(`invalid: ${JSON.stringify(loaded.errors[0])}`);
    }),
  );
}
const m = (k: string) => median(results[k]);
console.log(`${files} service files (${texts[0].length} bytes each), median of ${rounds} rounds:\n`);
console.log(
  '| step | toml 3.0.0 (TOML 0.4) | toml 5.x (TOML 1.1) | 5.x / 3.x |\n| --- | ---: | ---: | ---: |',
);
console.log(
  `| parse | ${m('p3').toFixed(0)} ms | ${m('p5').toFixed(0)} ms | ${(m('p5') / m('p3')).toFixed(2)}x |`,
);
console.log(
  `| parse + schema check | ${m('v3').toFixed(0)} ms | ${m('v5').toFixed(0)} ms | ${(m('v5') / m('v3')).toFixed(2)}x |`,
);
console.log(`| whole loader (toml 5.x, fresh texts) | - | ${m('load').toFixed(0)} ms | - |`);
