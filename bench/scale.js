// `npm run bench`: building a tree of 100,000 small files, in a fresh process each round: wall time and
// peak memory against the embedded bytes. Goals: <= 10 s, and <= 2x the embedded bytes plus 200 MB.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report } from './stats.js';

const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 3);
const FILES = Number(process.env.BENCH_SCALE_FILES ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'virt-scale-'));
let bytes = 0;
for (let d = 0; d < FILES / 1000; d++) {
  mkdirSync(join(dir, `tree/d${d}`), { recursive: true });
  for (let f = 0; f < 1000; f++) {
    const text = `file ${d} ${f}\n`;
    bytes += text.length;
    writeFileSync(join(dir, `tree/d${d}/f${f}.txt`), text);
  }
}
writeFileSync(join(dir, 'virt.yaml'), 'version: 1\nfilesystem:\n  mounts:\n    /t: { embed: ./tree }\n');
const child = `
  import { build, nodeFiles } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
  import { readFileSync } from 'node:fs';
  const start = performance.now();
  await build({ manifest: { source: readFileSync(${JSON.stringify(join(dir, 'virt.yaml'))}, 'utf8'), file: 'virt.yaml' },
    app: readFileSync('test/fixtures/apps/cat.wasm'), files: nodeFiles(${JSON.stringify(dir)}) });
  console.log(JSON.stringify({ ms: performance.now() - start, maxRss: process.resourceUsage().maxRSS * 1024 }));`;
const times = [];
const peaks = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the build failed: ${r.stderr}`);
  const { ms, maxRss } = JSON.parse(r.stdout);
  times.push(ms);
  peaks.push(maxRss);
}
report(`build of ${FILES} files (${(bytes / 1e6).toFixed(1)} MB), median of ${ROUNDS}`, `${(median(times) / 1000).toFixed(1)} s`, '<= 10 s');
const mb = median(peaks) / 1e6;
report(`  peak memory of that build`, `${mb.toFixed(0)} MB`, `<= ${(2 * bytes / 1e6 + 200).toFixed(0)} MB (2x data + 200 MB)`);
