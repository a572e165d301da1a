// Hostile input never costs data, never hangs and never crashes: each case is
// one an attacker (or an unlucky user) tried, and each must end in a clean
// refusal (exit 2, a message with a place, no output) or a correct result.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { BlockList, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, nodeFiles } from '../dist/index.js';
import { parseWat } from '../dist/jco/jco.js';
import { parseSocketRule } from '../dist/policies/socket-rules.js';
import { cli, fixture, root, runCommand } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'virt-hard-'));
const manifest = join(dir, 'virt.yaml');
writeFileSync(manifest, 'version: 1\n');
const app = join(dir, 'app.wasm');
copyFileSync(join(root, 'test/fixtures/apps/hello.wasm'), app);

test('a symlink at the output path is replaced, never followed: the file it names is left alone', () => {
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious');
  const out = join(dir, 'linked.wasm');
  symlinkSync(victim, out);
  const built = cli(['build', '-q', manifest, app, '-o', out]);
  assert.is(built.status, 0, built.stderr);
  assert.is(readFileSync(victim, 'utf8'), 'precious');
  assert.ok(lstatSync(out).isFile(), 'the output is a file of its own');
});

test('-o naming the app or the manifest is refused with exit 2, and neither is touched', () => {
  const before = readFileSync(app);
  for (const [target, what] of [[app, 'app'], [manifest, 'manifest'], [join(dir, '.', 'app.wasm'), 'app']]) {
    const refused = cli(['build', manifest, app, '-o', target]);
    assert.is(refused.status, 2);
    assert.match(refused.stderr, `virt: error: -o \`${target}\` is the ${what}: write the output somewhere else`);
  }
  assert.equal(readFileSync(app), before);
  assert.is(readFileSync(manifest, 'utf8'), 'version: 1\n');
});

/** Builds `yaml` (written beside the app) and expects exit 2, `message` on stderr, and no output. */
function refused(name, yaml, message, appPath = app) {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, yaml);
  const out = join(dir, `${name}.wasm`);
  const result = cli(['build', path, appPath, '-o', out], { timeout: 60_000 });
  assert.is(result.status, 2, `${name}: ${result.stderr}`);
  assert.match(result.stderr, message);
  assert.not.ok(existsSync(out), `${name}: an output was written`);
}

test('a FIFO or a device as the app, an embed or the stdin file is refused at once, never read or waited on', () => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  refused('fifo-embed', 'version: 1\nfilesystem:\n  mounts:\n    /f: { embed: ./fifo }\n',
    'fifo-embed.yaml:4:18: error: `./fifo` is not a regular file, directory or symlink (a FIFO, socket or device has no content to embed)');
  refused('fifo-stdin', 'version: 1\nstdio:\n  stdin: { file: ./fifo }\n', 'fifo-stdin.yaml:3:18: error: cannot read `./fifo`: it is a FIFO, not a regular file');
  refused('fifo-app', 'version: 1\n', `virt: error: cannot read \`${fifo}\`: it is a FIFO, not a regular file`, fifo);
  refused('zero-embed', 'version: 1\nfilesystem:\n  mounts:\n    /z: { embed: /dev/zero }\n', '`/dev/zero` is not a regular file, directory or symlink');
  refused('zero-stdin', 'version: 1\nstdio:\n  stdin: { file: /dev/zero }\n', 'cannot read `/dev/zero`: it is a device, not a regular file');
  // Inside a tree, too: a FIFO among the files is named, with the way out.
  mkdirSync(join(dir, 'tree'));
  writeFileSync(join(dir, 'tree/ok.txt'), 'ok');
  execFileSync('mkfifo', [join(dir, 'tree/pipe')]);
  refused('fifo-in-tree', 'version: 1\nfilesystem:\n  mounts:\n    /t: { embed: ./tree }\n',
    '`pipe` in `./tree` is not a regular file, directory or symlink (a FIFO, socket or device has no content to embed): `exclude` it');
});

test('max_size counts the bytes as they are read, not the stat size (procfs files say 0)', () => {
  refused('procfs', 'version: 1\nfilesystem:\n  mounts:\n    /s: { embed: /proc/self/status, max_size: 100 }\n',
    '`/proc/self/status` holds more than its max_size of 100 B');
});

test('symlinks that fan out under follow: true are refused fast, not copied 2^24 times', () => {
  // 24 levels, each with two links to the next: 2^24 paths to the last one.
  for (let i = 0; i <= 24; i++) mkdirSync(join(dir, `levels/l${i}`), { recursive: true });
  for (let i = 0; i < 24; i++) for (const name of ['a', 'b']) symlinkSync(`../l${i + 1}`, join(dir, `levels/l${i}/${name}`));
  mkdirSync(join(dir, 'fan'));
  symlinkSync('../levels/l0', join(dir, 'fan/start'));
  const start = Date.now();
  refused('fan', 'version: 1\nfilesystem:\n  mounts:\n    /t: { embed: ./fan, follow: true }\n', 'more than 64 times, and `follow` copies it each time');
  assert.ok(Date.now() - start < 30_000, 'refused in seconds');
});

test('a file name that is not UTF-8, or a file over 2 GiB, in an embed is exit 2 with the place', () => {
  mkdirSync(join(dir, 'latin1'));
  writeFileSync(Buffer.concat([Buffer.from(join(dir, 'latin1/')), Buffer.from([0x63, 0x61, 0x66, 0xe9])]), 'x');
  refused('latin1-name', 'version: 1\nfilesystem:\n  mounts:\n    /l: { embed: ./latin1 }\n',
    'latin1-name.yaml:4:18: error: cannot embed `./latin1`: it holds a file whose name is not UTF-8 (`caf\\xe9`), which no WASI path can name: rename it');
  execFileSync('truncate', ['-s', '3G', join(dir, 'huge.bin')]); // sparse: no disk used
  refused('huge', 'version: 1\nfilesystem:\n  mounts:\n    /h: { embed: ./huge.bin, max_size: 4GiB }\n',
    '`./huge.bin` is 3072.0 MiB: a file over 2 GiB cannot be embedded (Wasm memory is 32-bit)');
});

test('a manifest that is not UTF-8 is refused at the byte, not read with a replacement character', () => {
  const path = join(dir, 'latin1.yaml');
  writeFileSync(path, Buffer.concat([Buffer.from('version: 1\nenv:\n  vars: { A: "caf'), Buffer.from([0xe9]), Buffer.from('" }\n')]));
  const result = cli(['build', path, app, '-o', join(dir, 'latin1.wasm')]);
  assert.is(result.status, 2);
  assert.match(result.stderr, 'latin1.yaml:3:18: error: the manifest is not UTF-8 text here: write it as UTF-8');
});

test('an error excerpt stays one short line, and a broken file prints a screenful at most', () => {
  const path = join(dir, 'deep.yaml');
  writeFileSync(path, `version: 1\nenv: ${'['.repeat(20000)}\n`);
  const result = cli(['build', path, app, '-o', join(dir, 'deep.wasm')]);
  assert.is(result.status, 2);
  assert.ok(result.stderr.length < 2000, `${result.stderr.length} bytes of errors`);
  assert.ok(result.stderr.split('\n').every((line) => line.length <= 200), 'every line is short');
});

test('preview-1 modules that jco\'s adapter would refuse without a reason are exit 2, naming the import', async () => {
  const modules = {
    'wrong-signature': ['(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32))) (memory (export "memory") 1) (func (export "_start")))',
      'the module imports `wasi_snapshot_preview1.fd_write` as `(i32) -> ()`, but preview 1 defines it as `(i32 i32 i32 i32) -> (i32)`'],
    'unknown-function': ['(module (import "wasi_snapshot_preview1" "fd_bogus" (func)) (memory (export "memory") 1) (func (export "_start")))',
      'the module imports `wasi_snapshot_preview1.fd_bogus`, which is no WASI preview-1 function'],
    'no-memory': ['(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))) (func (export "_start")))',
      'the module exports no `memory`: a preview-1 program shares its memory with the adapter'],
  };
  for (const [name, [wat, message]] of Object.entries(modules)) {
    const path = join(dir, `${name}.core.wasm`);
    writeFileSync(path, await parseWat(wat));
    refused(name, 'version: 1\n', `virt: error: \`${path}\`: ${message}`, path);
  }
});

test('a component with one corrupted byte is a ComponentReadError (exit 2), never an internal error', async () => {
  const hello = readFileSync(app);
  const pick = random(854);
  let refusedCount = 0;
  for (let n = 0; n < 60; n++) {
    const bytes = new Uint8Array(hello);
    const at = 8 + pick(hello.length - 8);
    bytes[at] ^= 1 + pick(255);
    const outcome = await build({ manifest: { source: 'version: 1\n', file: 'virt.yaml' }, app: bytes, files: nodeFiles(dir) }).then(() => 'built', (e) => e);
    if (outcome === 'built') continue;
    refusedCount++;
    assert.ok(['ComponentReadError', 'CompositionError'].includes(outcome.name), `byte ${at}: ${outcome.name}: ${outcome.message}`);
  }
  assert.ok(refusedCount > 0, 'some corruptions are refused');
  // The case found by hand: the message names the app and the offset.
  const bytes = Buffer.from(hello);
  bytes[854] ^= 0xff;
  writeFileSync(join(dir, 'corrupt.wasm'), bytes);
  const result = cli(['build', manifest, join(dir, 'corrupt.wasm'), '-o', join(dir, 'corrupt.out.wasm')]);
  assert.is(result.status, 2, result.stderr);
  assert.match(result.stderr, new RegExp(`virt: error: \`${join(dir, 'corrupt.wasm')}\`: .* \\(at byte \\d+\\)`));
});

test('virt run of a component that is not a command is exit 2 and lists what it exports', () => {
  const result = cli(['run', 'test/fixtures/apps/library.wasm']);
  assert.is(result.status, 2);
  assert.match(result.stderr, 'virt: error: `test/fixtures/apps/library.wasm` exports no `wasi:cli/run`: it is not a command, so there is nothing to run (its exports: answer, cwd)');
});

test('a writable host mount refuses a symlink that would leave a trap pointing out of it; one below it is made', async () => {
  const project = mkdtempSync(join(tmpdir(), 'virt-trap-'));
  const data = join(project, 'data');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(project, 'secret.txt'), 'SECRET');
  writeFileSync(join(project, 'virt.yaml'), 'version: 1\nfilesystem:\n  mounts:\n    /data: { host: /srv/data, write: true }\n');
  const { component } = await build({
    manifest: { source: readFileSync(join(project, 'virt.yaml'), 'utf8'), file: join(project, 'virt.yaml') }, app: fixture('apps/symlink.wasm'), files: nodeFiles(project),
  });
  const ln = (target, link) => runCommand(component, { args: ['symlink', target, link], dirs: { '/srv/data': data } });
  for (const [target, link] of [['../secret.txt', '/data/esc'], ['sub/../../secret.txt', '/data/esc2'], ['../../secret.txt', '/data/sub/esc3']]) {
    const { stdout, exitCode } = await ln(target, link);
    assert.is(exitCode, 1);
    assert.is(stdout, `${link} -> ${target}: Operation not permitted\n`);
  }
  assert.is((await ln('sub/note', '/data/fine')).stdout, '/data/fine -> sub/note: ok\n');
  assert.is((await ln('../note', '/data/sub/up')).stdout, '/data/sub/up -> ../note: Operation not permitted\n');
  assert.equal(readdirSync(data).sort(), ['fine', 'sub']);
  assert.is(readlinkSync(join(data, 'fine')), 'sub/note');
});

test('memory mounts and the overlay never trap when they run out of room: writes fail, and the file is left as it was', async () => {
  const fill = fixture('apps/fill.wasm');
  const project = mkdtempSync(join(tmpdir(), 'virt-fill-'));
  const built = async (yaml) => (await build({ manifest: { source: yaml, file: join(project, 'virt.yaml') }, app: fill, files: nodeFiles(project) })).component;
  const byDefault = await built('version: 1\nfilesystem:\n  mounts:\n    /tmp: { memory: {} }\n');
  // 688 MiB and an offset near 2 GiB: past the default limit of 256 MiB.
  assert.is((await runCommand(byDefault, { args: ['fill', 'truncate', '/tmp/f', String(688 * 2 ** 20)] })).stdout, 'truncate: File too large\nsize 4\n');
  assert.is((await runCommand(byDefault, { args: ['fill', 'pwrite', '/tmp/f', '0x7ffffff0'] })).stdout, 'pwrite: No space left on device\nsize 4\n');
  // A long sequential write stops at the limit with an error, not a trap; every write before it stays.
  const small = await built('version: 1\nfilesystem:\n  memory_limit: 1MiB\n  writable: true\n  mounts:\n    /tmp: { memory: {} }\n');
  const { stdout, exitCode } = await runCommand(small, { args: ['fill', 'append', '/tmp/f'] });
  assert.is(exitCode, 0);
  // Through a stream as through pwrite, the error is insufficient-space (the io group's error holds the code).
  const [, written, size] = /^append: No space left on device after (\d+) bytes\nsize (\d+)\n$/.exec(stdout) ?? [];
  assert.ok(written, stdout);
  // (The preview-1 adapter writes in 4 KiB pieces through a stream: the pieces of the failing write that fit stay.)
  assert.ok(Number(size) >= Number(written) + 4 && Number(size) <= 2 ** 20, stdout);
});

test('memory_limit takes a size up to 1 GiB, at its line', () => {
  refused('limit', 'version: 1\nfilesystem:\n  memory_limit: 2GiB\n  mounts:\n    /tmp: { memory: {} }\n',
    'limit.yaml:3:17: error: bad memory_limit `2GiB`: write bytes, or a size such as `64MiB`, up to 1GiB');
});

test('a mount below a file of an embedded tree is exit 2 at the inner mount\'s key', () => {
  mkdirSync(join(dir, 'site'));
  writeFileSync(join(dir, 'site/hello.txt'), 'hi');
  refused('nested', 'version: 1\nfilesystem:\n  mounts:\n    /app: { embed: ./site }\n    /app/hello.txt/x: { text: "y" }\n',
    'nested.yaml:5:23: error: cannot mount `/app/hello.txt/x`: `/app/hello.txt`, on its way, is a file in the tree mounted at `/app`');
});

// A small seeded generator, so that a failure names an address that comes back every run.
function random(seed) {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return x % n;
  };
}

// One IPv6 address in a random one of its spellings: full, zero-compressed, with leading zeros or upper case,
// or with its last 32 bits as a dotted quad (IPv4-mapped `::ffff:a.b.c.d` among them).
function spell(segments, pick) {
  const hex = segments.map((s) => {
    const h = s.toString(16);
    return pick(4) === 0 ? h.padStart(4, '0') : pick(4) === 0 ? h.toUpperCase() : h;
  });
  const quad = pick(3) === 0 ? `${segments[6] >> 8}.${segments[6] & 255}.${segments[7] >> 8}.${segments[7] & 255}` : undefined;
  const parts = quad ? [...hex.slice(0, 6), quad] : hex;
  const limit = quad ? 6 : 8;
  // Compress the longest run of zero segments, when there is one and the coin says so.
  let best = [-1, 0];
  for (let i = 0; i < limit; i++) {
    let j = i;
    while (j < limit && segments[j] === 0) j++;
    if (j - i > best[1]) best = [i, j - i];
  }
  if (best[1] === 0 || pick(2) === 0) return parts.join(':');
  const [at, length] = best;
  return `${parts.slice(0, at).join(':')}::${parts.slice(at + length).join(':')}`;
}

test('the sockets allow-list reads every spelling of an IPv6 address as Node does, IPv4-mapped ones too', () => {
  const pick = random(20261202);
  for (let n = 0; n < 4000; n++) {
    // Zero runs are common in real addresses; make them common here.
    const segments = Array.from({ length: 8 }, () => (pick(3) === 0 ? 0 : pick(0x10000)));
    if (n % 4 === 0) segments.splice(0, 6, 0, 0, 0, 0, 0, 0xffff);
    const text = spell(segments, pick);
    assert.ok(isIPv6(text), `the generator wrote a bad address: ${text}`);
    const rule = parseSocketRule(`[${text}]:80`);
    assert.type(rule, 'object', `[${text}]:80 was refused: ${rule}`);
    assert.equal(rule.address, segments, text);
    const list = new BlockList();
    list.addAddress(text, 'ipv6');
    assert.ok(list.check(rule.address.map((s) => s.toString(16)).join(':'), 'ipv6'), text);
  }
});

test('the sockets allow-list refuses a zone, which would otherwise be dropped, and names it', () => {
  assert.is(parseSocketRule('[fe80::1%eth0]:80'), 'bad IP address `fe80::1%eth0` in `[fe80::1%eth0]:80`: a zone (`%eth0`) names a host\'s interface, which no rule can match; remove it');
  const zone = join(dir, 'zone.yaml');
  writeFileSync(zone, 'version: 1\nsockets:\n  allow: ["[fe80::1%eth0]:80"]\n');
  const refused = cli(['build', zone, app, '-o', join(dir, 'zone.wasm')]);
  assert.is(refused.status, 2);
  assert.match(refused.stderr, 'zone.yaml:3:11: error: bad IP address `fe80::1%eth0`');
});

test.run();
