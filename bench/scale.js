// `npm run bench`: `virt build` of large trees, as a user runs it (the CLI, units not cached), in a fresh
// process each round: wall time and the CLI's peak memory against the embedded bytes.
// Goals: 100,000 files in <= 10 s; memory <= 2x the embedded bytes plus 200 MB.
// BENCH_SCALE_FILES sets the file count; BENCH_SCALE_MB the size of the one-file embed (0 skips it).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, report } from './stats.js';

const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 3);
const FILES = Number(process.env.BENCH_SCALE_FILES ?? 100_000);
const BIG_MB = Number(process.env.BENCH_SCALE_MB ?? 500);
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'virt-scale-'));
const manifest = (embed) => `version: 1\nfilesystem:\n  mounts:\n    /t: { embed: ${embed}, max_size: 4 GiB }\n`;

// Builds `yaml` ROUNDS times: median seconds and peak bytes.
function measure(yaml) {
  writeFileSync(join(dir, 'virt.yaml'), yaml);
  const times = [];
  const peaks = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    const r = spawnSync(process.execPath, ['--import', join(root, 'bench/max-rss.js'), join(root, 'bin/virt.js'), 'build',
      join(dir, 'virt.yaml'), join(root, 'test/fixtures/apps/cat.wasm'), '-o', join(dir, 'out.wasm'), '--no-cache'], { encoding: 'utf8' });
    times.push(performance.now() - start);
    if (r.status !== 0) throw new Error(`the build failed: ${r.stderr}`);
    peaks.push(Number(/virt-bench max-rss (\d+)/.exec(r.stderr)[1]));
  }
  return { seconds: median(times) / 1000, mb: median(peaks) / 1e6, output: statSync(join(dir, 'out.wasm')).size };
}

const goal = (bytes) => `<= ${(2 * bytes / 1e6 + 200).toFixed(0)} MB (2x data + 200 MB)`;

let bytes = 0;
for (let d = 0; d < FILES / 1000; d++) {
  mkdirSync(join(dir, `tree/d${d}`), { recursive: true });
  for (let f = 0; f < 1000; f++) {
    const text = `file ${d} ${f}\n`;
    bytes += text.length;
    writeFileSync(join(dir, `tree/d${d}/f${f}.txt`), text);
  }
}
const tree = measure(manifest('./tree'));
report(`virt build of ${FILES} files (${(bytes / 1e6).toFixed(1)} MB), median of ${ROUNDS}`, `${tree.seconds.toFixed(1)} s`, '<= 10 s');
report('  peak memory of that build', `${tree.mb.toFixed(0)} MB`, goal(bytes));
report('  output size', `${(tree.output / 1e6).toFixed(1)} MB`);
rmSync(join(dir, 'tree'), { recursive: true });

if (BIG_MB > 0) {
  const big = BIG_MB * 1e6;
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(big, 7));
  const one = measure(manifest('./big.bin'));
  report(`virt build of one ${BIG_MB} MB file, median of ${ROUNDS}`, `${one.seconds.toFixed(1)} s`);
  report('  peak memory of that build', `${one.mb.toFixed(0)} MB`, goal(big));
}
rmSync(dir, { recursive: true });
