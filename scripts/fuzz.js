// `npm run fuzz -- --seed S --count N`: a differential fuzz of virt's filesystem.
// A seeded generator writes sequences of filesystem operations; the driver
// (test/fixtures/apps/fs-fuzz.c) runs each on virt's writable embedded tree,
// and, built natively with `cc`, on a copy of the same tree on this machine:
// Linux itself is the reference, less what the WASI layers below virt are known
// to answer otherwise (`asWasi`). Each divergence is printed as a minimal
// sequence that reproduces it. With --record FILE it writes the reference
// outputs instead, which test/fs-fuzz.test.js replays without a C compiler.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** How many sequences one run holds: each works in its own copy of the tree. */
export const BATCH = 500;

/** xorshift-style, so that a seed names the same sequences on every machine. */
export function random(seed) {
  let x = (seed >>> 0) || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const NAMES = [
  'a.txt', 'b.txt', 'dir', 'dir/b.txt', 'dir/sub', 'dir/sub/c', 'link', 'dlink', 'dlink/b.txt', 'broken', 'new', 'new/x',
  'dir/../a.txt', './a.txt', 'a.txt/', 'dir/', 'link/', 'broken/', 'dlink/', 'dir/sub/..', `${'n'.repeat(255)}`, `${'n'.repeat(256)}`,
];
const FLAGS = ['r', 'w', 'rw', 'wc', 'rwc', 'wcx', 'wct', 'wa', 'rd', 'rn', 'wcn', 'rwct'];
const TARGETS = ['a.txt', 'dir', 'nowhere', 'dir/b.txt', '../a.txt', 'link', 'sub/c'];

/** One operation line, from the driver's language. */
function operation(pick) {
  const name = () => NAMES[pick(NAMES.length)];
  const slot = () => pick(4);
  const small = () => [0, 1, 5, 100, 4096, 70000][pick(6)];
  switch (pick(20)) {
    case 0: case 1: case 2: return `open ${slot()} ${name()} ${FLAGS[pick(FLAGS.length)]}`;
    case 3: return `close ${slot()}`;
    case 4: return `read ${slot()} ${small()}`;
    case 5: return `write ${slot()} ${small()}`;
    case 6: return `pread ${slot()} ${small()} ${small()}`;
    case 7: return `pwrite ${slot()} ${small()} ${small()}`;
    case 8: return `seek ${slot()} ${[0, 3, -1, 100][pick(4)]} ${'sce'[pick(3)]}`;
    case 9: return `truncate ${slot()} ${small()}`;
    case 10: return `fstat ${slot()}`;
    case 11: return `rename ${name()} ${name()}`;
    case 12: return `link ${name()} ${name()}`;
    case 13: return `symlink ${TARGETS[pick(TARGETS.length)]} ${name()}`;
    case 14: return `readlink ${name()}`;
    case 15: return `unlink ${name()}`;
    case 16: return `${pick(2) ? 'mkdir' : 'rmdir'} ${name()}`;
    case 17: return `readdir ${['.', 'dir', 'dir/sub', 'dlink', 'new', 'link'][pick(6)]}`;
    case 18: return `${pick(2) ? 'stat' : 'lstat'} ${name()}`;
    default: return `utimes ${name()} ${1_000_000_000 + pick(1000)}`;
  }
}

/** `count` sequences of 3 to 12 operations each, from `seed`. */
export function sequences(seed, count) {
  const pick = random(seed);
  return Array.from({ length: count }, () => Array.from({ length: 3 + pick(10) }, () => operation(pick)));
}

/** The tree every sequence starts from: files, a directory, and symlinks to each (one dangling). */
export function makeTree(dir, copies) {
  for (let i = 0; i < copies; i++) {
    const s = join(dir, `s${i}`);
    mkdirSync(join(s, 'dir/sub'), { recursive: true });
    writeFileSync(join(s, 'a.txt'), 'hello\n');
    writeFileSync(join(s, 'dir/b.txt'), 'in dir\n');
    symlinkSync('a.txt', join(s, 'link'));
    symlinkSync('dir', join(s, 'dlink'));
    symlinkSync('nowhere', join(s, 'broken'));
  }
}

/** The ops file for a batch: `seq N`, then sequence N's operations. */
export function opsText(batch) {
  return batch.map((ops, i) => [`seq ${i}`, ...ops].join('\n')).join('\n') + '\n';
}

/** The driver's output, split into one block of lines per sequence. */
export function perSequence(output) {
  return output.split(/^(?=seq \d+ => )/m).filter(Boolean);
}

// What preview 1 answers where Linux answers otherwise, before a call reaches virt: seek and truncate on a
// directory descriptor are EBADF (virt's preview-1 layer answers as wasmtime does; Linux's answer to a seek
// depends on the filesystem).
const PREVIEW1_EBADF = /^(seek|truncate) (\d+)/;

/**
 * Linux's answers to one sequence (a block of driver output), as a WASI program gets them: the reference
 * model of the few calls where preview 1 itself differs from Linux.
 */
export function asWasi(block) {
  const dirs = new Set();
  return block.split('\n').map((line) => {
    const open = /^open (\d+) .* => (.*)$/.exec(line);
    if (open) {
      if (open[2] === 'ok dir') dirs.add(open[1]);
      else dirs.delete(open[1]);
      return line;
    }
    const close = /^close (\d+) /.exec(line);
    if (close) dirs.delete(close[1]);
    const op = PREVIEW1_EBADF.exec(line);
    return op && dirs.has(op[2]) ? line.replace(/ => .*$/, ' => EBADF') : line;
  }).join('\n');
}

/**
 * What kind of divergence a sequence shows: its first operation whose answer differs, with both answers
 * (`rename => EISDIR | linux: ENOTDIR`); undefined when the answers agree.
 */
export function divergenceKind(got, want) {
  if (got === want) return undefined;
  const [g, w] = [got.split('\n'), (want ?? '').split('\n')];
  const at = g.findIndex((line, i) => line !== w[i]);
  const answer = (line) => (line ?? '(nothing)').replace(/^.* => /, '');
  return `${(g[at] ?? '').split(' ')[0]} => ${answer(g[at])} | linux: ${answer(w[at])}`;
}

/** The manifest of the virt side: the tree embedded and writable, the ops read from a host mount. */
export const MANIFEST = 'version: 1\ndeterministic: true\nfilesystem:\n  writable: true\n  mounts:\n    /w: { embed: ./tree }\n    /ops: { host: /srv/ops }\n';

/** The virt side: built once, run once per batch with that batch's ops. */
export async function virtSide(work) {
  const { build, load, nodeFiles, run } = await import('../dist/index.js');
  makeTree(join(work, 'tree'), BATCH);
  writeFileSync(join(work, 'virt.yaml'), MANIFEST);
  const { component } = await build({
    manifest: { source: MANIFEST, file: join(work, 'virt.yaml') }, app: readFileSync(join(root, 'test/fixtures/apps/fs-fuzz.wasm')), files: nodeFiles(work),
  });
  const loaded = await load(component, { noCache: true });
  const opsDir = join(work, 'ops');
  mkdirSync(opsDir, { recursive: true });
  return async (batch) => {
    writeFileSync(join(opsDir, 'ops.txt'), opsText(batch));
    const { stdout, exitCode, trap } = await run(loaded, { args: ['fs-fuzz', '/w', '/ops/ops.txt'], dirs: { '/srv/ops': opsDir } });
    if (exitCode !== 0) return `exit ${exitCode}${trap ? `: ${trap}` : ''}\n${stdout}`;
    return stdout;
  };
}

/** The reference side: the driver built natively, on a fresh copy of the tree per batch. */
export function nativeSide(work) {
  const binary = join(work, 'fs-fuzz');
  execFileSync('cc', ['-O2', '-o', binary, join(root, 'test/fixtures/apps/fs-fuzz.c')]);
  const pristine = join(work, 'pristine');
  makeTree(pristine, 1);
  return (batch) => {
    const tree = join(work, 'native');
    rmSync(tree, { recursive: true, force: true });
    for (let i = 0; i < batch.length; i++) cpSync(join(pristine, 's0'), join(tree, `s${i}`), { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(work, 'native-ops.txt'), opsText(batch));
    return execFileSync(binary, [tree, join(work, 'native-ops.txt')], { encoding: 'utf8', maxBuffer: 1 << 28 });
  };
}

// The smallest sequence that still diverges: drop operations one at a time while the outputs differ.
async function minimize(ops, virt, native) {
  const differs = async (candidate) => (await virt([candidate])) !== asWasi(native([candidate]));
  let current = ops;
  for (let i = current.length - 1; i >= 0; i--) {
    const shorter = current.filter((_, j) => j !== i);
    if (shorter.length && (await differs(shorter))) current = shorter;
  }
  return current;
}

async function main() {
  const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, count: { type: 'string', default: '1000' }, record: { type: 'string' } } });
  const seed = Number(values.seed);
  const count = Number(values.count);
  const work = mkdtempSync(join(tmpdir(), 'virt-fuzz-'));
  const native = nativeSide(work);
  const all = sequences(seed, count);
  if (values.record) {
    const expected = [];
    for (let at = 0; at < all.length; at += BATCH) expected.push(native(all.slice(at, at + BATCH)));
    writeFileSync(values.record, JSON.stringify({ seed, count, outputs: expected }));
    console.log(`recorded Linux's answers to ${count} sequences (seed ${seed}) in ${values.record}`);
    return;
  }
  const virt = await virtSide(work);
  let divergences = 0;
  const kinds = new Map();
  const start = Date.now();
  for (let at = 0; at < all.length; at += BATCH) {
    const batch = all.slice(at, at + BATCH);
    const [got, want] = [perSequence(await virt(batch)), perSequence(native(batch)).map(asWasi)];
    for (let i = 0; i < batch.length; i++) {
      if (got[i] === want[i]) continue;
      divergences++;
      const kind = divergenceKind(got[i], want[i]);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const minimal = await minimize(batch[i], virt, native);
      const [g, w] = [perSequence(await virt([minimal]))[0] ?? '', asWasi(perSequence(native([minimal]))[0] ?? '')];
      console.log(`divergence in sequence ${at + i} (seed ${seed}); a minimal sequence:\n--- virt\n${g}--- linux\n${w}`);
    }
    process.stderr.write(`fuzz: ${Math.min(at + BATCH, count)} of ${count} sequences, ${divergences} divergences, ${((Date.now() - start) / 1000).toFixed(0)} s\n`);
  }
  for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(6)}  ${kind}`);
  console.log(`${count} sequences (seed ${seed}): ${divergences} divergences, of ${kinds.size} kinds`);
  process.exitCode = divergences ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
