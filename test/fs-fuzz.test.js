// A short fixed-seed run of the filesystem fuzz (scripts/fuzz.js): 300 sequences on virt's writable
// embedded tree, against Linux's answers recorded by `node scripts/fuzz.js --seed 7 --count 300 --record`
// (read as a WASI program gets them: `asWasi`). Every sequence must agree, or diverge in a way
// test/fixtures/fuzz/known-divergences.txt lists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asWasi, BATCH, divergenceKind, perSequence, sequences, virtSide } from '../scripts/fuzz.js';
import { root } from './helpers.js';

const recorded = JSON.parse(readFileSync(join(root, 'test/fixtures/fuzz/linux-seed7-300.json'), 'utf8'));
const known = new Set(readFileSync(join(root, 'test/fixtures/fuzz/known-divergences.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')));

test('300 fuzzed sequences: virt answers as Linux does, but for the divergences listed as known', async () => {
  const virt = await virtSide(mkdtempSync(join(tmpdir(), 'virt-fuzz-')));
  const all = sequences(recorded.seed, recorded.count);
  let agree = 0;
  for (let at = 0, b = 0; at < all.length; at += BATCH, b++) {
    const batch = all.slice(at, at + BATCH);
    const [got, want] = [perSequence(await virt(batch)), perSequence(recorded.outputs[b]).map(asWasi)];
    assert.is(got.length, batch.length, 'every sequence ran to its end');
    batch.forEach((_, i) => {
      const kind = divergenceKind(got[i], want[i]);
      if (kind === undefined) agree++;
      else assert.ok(known.has(kind), `sequence ${at + i} diverges in a new way: ${kind}\n--- virt\n${got[i]}--- linux\n${want[i]}`);
    });
  }
  // Most sequences agree outright; the known kinds are a small part.
  assert.ok(agree >= all.length * 0.9, `${agree} of ${all.length} agree`);
});

test('what the fuzz found, answered as Linux answers (recorded from a native run of the same driver)', async () => {
  const virt = await virtSide(mkdtempSync(join(tmpdir(), 'virt-fuzz-')));
  const linux = [
    ['open 0 b.txt wc', 'ok'], ['pwrite 0 1 0', '0'], ['fstat 0', 'file 0'], // a zero-length write past the end changes nothing
    ['open 1 a.txt r', 'ok'], ['pread 1 1 0', '0 ""'], // a zero-length read inside the file is no error
    ['unlink a.txt/', 'ENOTDIR'], ['unlink dir/', 'EISDIR'], ['unlink new/', 'ENOENT'],
    ['rename dir/sub/.. dir', 'EBUSY'], ['rmdir dir/sub/..', 'ENOTEMPTY'], ['rename a.txt dir/', 'ENOTDIR'], ['rename dir/b.txt dir', 'ENOTEMPTY'],
    ['open 1 broken wcx', 'EEXIST'], ['open 2 link/ rwct', 'EISDIR'],
    ['link dir/sub broken', 'EEXIST'], ['symlink a.txt new/', 'ENOENT'], ['link dir new/x', 'ENOENT'],
    [`rename broken/ ${'n'.repeat(256)}`, 'ENAMETOOLONG'], ['rename link ./a.txt', 'ok'], ['link a.txt link', 'ok'], ['rename a.txt/ b.txt', 'ENOTDIR'],
    ['link dlink/ a.txt/', 'EEXIST'], ['symlink x broken/', 'EEXIST'], // the name itself, unfollowed, exists
    ['rmdir dir/sub', 'ok'], ['rename dlink/b.txt dir/sub', 'ok'], ['symlink nowhere dir/sub/..', 'ENOTDIR'], ['stat dir/sub/.', 'ENOTDIR'],
    ['mkdir a.txt/', 'EEXIST'], ['rmdir a.txt/', 'ENOTDIR'], ['rename broken a.txt/', 'ENOTDIR'], ['mkdir new/', 'ok'], ['rename new dir/', 'ENOTEMPTY'], // a.txt loops
  ];
  const output = await virt([linux.map(([op]) => op)]);
  assert.fixture(output, `seq 0 => ok\n${linux.map(([op, answer]) => `${op} => ${answer}\n`).join('')}`);
});

test.run();
