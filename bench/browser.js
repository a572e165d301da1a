// `npm run bench`, browser part, in headless Chromium (Debian's): the hello
// page's load-to-exit time, a 16 MiB embedded read in a page against the same
// output on Node in this same run, and the single-file page's size.
import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build, bundle, load, nodeFiles, run } from '../dist/index.js';
import { CHROMIUM, launchBrowser } from '../test/browser.js';
import { serve } from '../examples/browser/static-server.js';
import { median, report } from './stats.js';

const ROUNDS = Number(process.env.BENCH_BROWSER_ROUNDS ?? 7);
if (!existsSync(CHROMIUM)) {
  report('browser figures', `not measured: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'virt-bench-browser-'));

async function bundleInto(name, component, singleFile = false) {
  const { files } = await bundle(component, { name, singleFile });
  const into = singleFile ? dir : join(dir, name);
  mkdirSync(into, { recursive: true });
  for (const [file, bytes] of files) writeFileSync(join(into, file), bytes);
  return [...files.values()].reduce((sum, bytes) => sum + bytes.length, 0);
}

const hello = (await build({
  manifest: { source: readFileSync('examples/hello/virt.yaml', 'utf8'), file: 'examples/hello/virt.yaml' },
  app: new Uint8Array(readFileSync('examples/hello/app.wasm')),
})).component;
const folderBytes = await bundleInto('hello', hello);
const pageBytes = await bundleInto('hello', hello, true);

// fs-bench reading a 16 MiB embedded file in 64 KiB chunks.
mkdirSync(join(dir, 'data'));
writeFileSync(join(dir, 'data/big.bin'), randomFillSync(new Uint8Array(16 * 1024 * 1024)));
const reader = (await build({
  manifest: { source: 'version: 1\nfilesystem:\n  mounts:\n    /data: { embed: ./data, max_size: 64MiB }\n', file: join(dir, 'virt.yaml') },
  app: new Uint8Array(readFileSync('test/fixtures/apps/fs-bench.wasm')),
  files: nodeFiles(dir),
})).component;
await bundleInto('reader', reader);
const READ = ['fs-bench', 'read', '/data/big.bin'];
// The page times whole runs (instantiate and read) after one warm-up run that compiles the modules.
writeFileSync(join(dir, 'read.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><pre id="exit-code"></pre>
<script type="module">
import { run } from './reader/reader.js';
const quiet = { stdout() {}, stderr() {} };
await run({ ...quiet, args: ['fs-bench', 'stat', '/data', '0'] });
await run({ ...quiet, multiMemory: false, args: ['fs-bench', 'stat', '/data', '0'] });
const times = { multiMemory: [], baseline: [] };
for (let i = 0; i < ${ROUNDS}; i++) {
  for (const [glue, multiMemory] of [['multiMemory', undefined], ['baseline', false]]) {
    const start = performance.now();
    const { exitCode } = await run({ ...quiet, multiMemory, args: ${JSON.stringify(READ)} });
    if (exitCode !== 0) throw new Error('exit ' + exitCode);
    times[glue].push(performance.now() - start);
  }
}
document.getElementById('exit-code').textContent = JSON.stringify(times);
</script>`);

const server = await serve(dir);
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  const exitShown = () => page.waitForFunction(() => document.getElementById('exit-code')?.textContent !== '', { timeout: 120000 });
  const loadToExit = async (url) => {
    const times = [];
    for (let i = 0; i < ROUNDS; i++) {
      const start = performance.now();
      await page.goto(url);
      await exitShown();
      times.push(performance.now() - start);
    }
    return median(times);
  };
  const version = await browser.version();
  report(`hello page, load to exit code (${version}), median of ${ROUNDS}`, `${(await loadToExit(server.url('hello/index.html'))).toFixed(1)} ms`);
  report('  the single-file page from file://', `${(await loadToExit(pathToFileURL(join(dir, 'hello.html')).href)).toFixed(1)} ms`);
  report('hello single-file page size', `${pageBytes} B (the folder: ${folderBytes} B, both glues)`);

  await page.goto(server.url('read.html'));
  await exitShown();
  const inPage = JSON.parse(await page.$eval('#exit-code', (e) => e.textContent));
  const loaded = await load(reader, { cacheDir: join(dir, 'cache') });
  await run(loaded, { args: READ });
  const onNode = [];
  for (let i = 0; i < ROUNDS; i++) {
    const { timings, exitCode } = await run(loaded, { args: READ });
    if (exitCode !== 0) throw new Error(`fs-bench exited ${exitCode} on Node`);
    onNode.push(timings.instantiate + timings.run);
  }
  const node = median(onNode);
  const [withMm, baseline] = [median(inPage.multiMemory), median(inPage.baseline)];
  report('16 MiB embedded read, 64 KiB chunks, in the page', `${withMm.toFixed(1)} ms (multi-memory glue), ${baseline.toFixed(1)} ms (baseline glue)`);
  report(`  the same output on Node ${process.version}`, `${node.toFixed(1)} ms; page / Node ${(withMm / node).toFixed(2)} and ${(baseline / node).toFixed(2)}`);
} finally {
  await browser.close();
  await server.close();
}
