// `npm run bench`, filesystem part: unit code size, build time of a large tree,
// and reads and opens against the same files preopened from the host through
// preview2-shim, in-process, in this same run. Medians; ratios are virt / host.
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build, load, nodeFiles, run } from '../dist/index.js';
import { median, report } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const FS_RUNS = Number(process.env.BENCH_FS_RUNS ?? 7);
const dir = mkdtempSync(join(tmpdir(), 'virt-bench-fs-'));
const cacheDir = join(dir, 'cache');
const app = new Uint8Array(readFileSync('test/fixtures/apps/fs-bench.wasm'));

function manifest(mounts) {
  return `version: 1\nfilesystem:\n  mounts:\n${mounts.map(([guest, host]) => `    ${guest}: { embed: ${host}, max_size: 64MiB }`).join('\n')}\n`;
}

function buildIn(source, fixture = app) {
  return build({ manifest: { source, file: join(dir, 'virt.yaml') }, app: fixture, files: nodeFiles(dir) });
}

// Unit code: the vfs unit less its embedded bytes, and the io group, for a tree of one small file. Both
// carry only what the app's filesystem import can reach: this app's 9 functions, and the workout's 23.
mkdirSync(join(dir, 'tiny'));
writeFileSync(join(dir, 'tiny/a.txt'), 'a');
const workout = new Uint8Array(readFileSync('test/fixtures/apps/fs-workout.wasm'));
for (const [label, fixture] of [['fs+io unit code, without data', app], ['  the same for fs-workout (23 functions)', workout]]) {
  const tiny = await buildIn(manifest([['/data', './tiny']]), fixture);
  const vfs = tiny.unitSizes.get('vfs') - 1;
  const io = tiny.unitSizes.get('io-group');
  report(label, `${vfs + io} B (vfs ${vfs} B + io group ${io} B)`, fixture === workout ? '<= 40 KB' : undefined);
}

// 1,000 files, 20 MiB in all, built by the CLI in a fresh process each round, as a user would.
const many = join(dir, 'many');
for (let d = 0; d < 10; d++) {
  mkdirSync(join(many, `d${d}`), { recursive: true });
  for (let f = 0; f < 100; f++) writeFileSync(join(many, `d${d}`, `f${f}`), randomFillSync(new Uint8Array(20 * 1024 * 1024 / 1000)));
}
writeFileSync(join(dir, 'many.yaml'), manifest([['/data', './many']]));
const cli = [];
for (let i = 0; i < ROUNDS; i++) {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['bin/virt.js', 'build', '-q', join(dir, 'many.yaml'), 'test/fixtures/apps/fs-bench.wasm', '-o', join(dir, 'many.wasm')]);
  if (r.status !== 0) throw new Error(`virt build failed: ${r.stderr}`);
  cli.push(performance.now() - start);
}
report(`build 1,000 files / 20 MiB (CLI), median of ${ROUNDS}`, `${(median(cli) / 1000).toFixed(2)} s`, '<= 3 s');

// The same files, embedded and preopened from the host: a 16 MiB read, and 10,000 opens with a stat each.
const files = join(dir, 'files');
mkdirSync(join(files, 'small'), { recursive: true });
writeFileSync(join(files, 'big.bin'), randomFillSync(new Uint8Array(16 * 1024 * 1024)));
for (let i = 0; i < 10_000; i++) writeFileSync(join(files, 'small', `f${i}`), `file ${i}\n`);
const embedded = await buildIn(manifest([['/data', './files']]));
const loadedHost = await load(app, { cacheDir });
const loadedVirt = await load(embedded.component, { cacheDir });

async function compare(label, args, expect, goal) {
  const times = { host: [], virt: [] };
  for (let i = 0; i < FS_RUNS + 1; i++) {
    for (const [loaded, into, dirs] of [[loadedHost, times.host, { '/data': files }], [loadedVirt, times.virt, {}]]) {
      const { exitCode, stdout, stderr, timings } = await run(loaded, { args: ['fs-bench', ...args], dirs });
      if (exitCode !== 0 || !stdout.startsWith(expect)) throw new Error(`${label} failed: ${stdout}${stderr}`);
      if (i > 0) into.push(timings.run); // the first round warms up
    }
  }
  const [h, v] = [median(times.host), median(times.virt)];
  report(`${label}: host ${h.toFixed(0)} ms, virt ${v.toFixed(0)} ms`, `ratio ${(v / h).toFixed(3)}`, goal);
}

await compare(`read 16 MiB in 64 KiB chunks, median of ${FS_RUNS}`, ['read', '/data/big.bin'], 'read 16777216 bytes', '<= 1.0');
await compare(`open+stat 10,000 files, median of ${FS_RUNS}`, ['stat', '/data/small', '10000'], 'stat 10000 files');
