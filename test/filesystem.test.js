// The virtual filesystem: the same workout against a host directory and an
// embedded copy, traversal attacks, read-only content, build-time errors, and
// what the output still imports.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  accessSync, closeSync, constants, cpSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync,
  renameSync, rmdirSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, nodeFiles, readComponent } from '../dist/index.js';
import { fixture, runCommand } from './helpers.js';

const workout = fixture('apps/fs-workout.wasm');
const attack = fixture('apps/fs-attack.wasm');
const cat = fixture('apps/cat.wasm');
const preopens = fixture('apps/preopens.wasm');
const edges = fixture('apps/fs-edges.wasm');

// A directory holding `tree/` (what the app gets at /data) and `secret.txt` beside it.
function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'virt-fs-'));
  mkdirSync(join(dir, 'tree/sub'), { recursive: true });
  writeFileSync(join(dir, 'tree/hello.txt'), 'hello\n');
  writeFileSync(join(dir, 'tree/sub/a.txt'), 'a\n');
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  return dir;
}

function buildIn(dir, yaml, app) {
  return build({ manifest: { source: yaml, file: join(dir, 'virt.yaml') }, app, files: nodeFiles(dir) });
}

// Every file under `dir` with its contents (a symlink: its target), to compare a tree before and after a run.
function snapshot(dir, rel = '') {
  const out = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = join(rel, name);
    const full = join(dir, path);
    const st = lstatSync(full);
    if (st.isSymbolicLink()) out[path] = `-> ${readlinkSync(full)}`;
    else if (st.isDirectory()) Object.assign(out, { [`${path}/`]: '' }, snapshot(dir, path));
    else out[path] = readFileSync(full, 'utf8');
  }
  return out;
}

test('the workout prints the same on a host directory and on the embedded copy', async () => {
  const dir = workspace();
  const hostCopy = join(dir, 'host-copy');
  cpSync(join(dir, 'tree'), hostCopy, { recursive: true });
  const host = await runCommand(workout, { dirs: { '/data': hostCopy } });
  assert.is(host.exitCode, 0, host.stderr);

  const before = snapshot(join(dir, 'tree'));
  const yaml = 'version: 1\nfilesystem:\n  writable: true\n  mounts:\n    /data: { embed: ./tree }\n';
  const { component } = await buildIn(dir, yaml, workout);
  const virt = await runCommand(component);
  assert.is(virt.exitCode, 0, virt.stderr);
  // preview2-shim agrees with the virtual filesystem on every line of this workout; none needs an exception.
  assert.fixture(virt.stdout, host.stdout);
  assert.match(virt.stdout, 'rename file over dir: EISDIR');
  assert.equal(snapshot(join(dir, 'tree')), before, 'a writable overlay never writes the host tree');
});

// What Linux answers for fs-edges' operations on `path` (a guest path under /data), run on a copy of `tree`:
// the reference, where preview2-shim is not (it renames the directory behind `link/`, say).
function posixReference(tree, path, scratch) {
  cpSync(tree, scratch, { recursive: true, verbatimSymlinks: true });
  const host = (guest) => join(scratch, guest.slice('/data'.length));
  const { O_RDONLY, O_DIRECTORY, O_CREAT, O_WRONLY } = constants;
  const open = (flags) => () => closeSync(openSync(host(path), flags, 0o644));
  const operations = [
    ['stat', () => statSync(host(path))], ['lstat', () => lstatSync(host(path))], ['readlink', () => readlinkSync(host(path))],
    ['open', open(O_RDONLY)], ['open-directory', open(O_RDONLY | O_DIRECTORY)], ['create', open(O_CREAT | O_WRONLY)],
    ['mkdir', () => mkdirSync(host(path))], ['unlink', () => unlinkSync(host(path))], ['rmdir', () => rmdirSync(host(path))],
    ['rename', () => renameSync(host(path), host('/data/renamed'))], ['symlink', () => symlinkSync('x', host(path))],
    ['link', () => linkSync(host('/data/file'), host(path))], ['access', () => accessSync(host(path), constants.R_OK)],
  ];
  const lines = operations.map(([label, run]) => {
    try {
      run();
      return `${label} ${path}: ok`;
    } catch (error) {
      return `${label} ${path}: ${error.code}`;
    }
  });
  rmSync(scratch, { recursive: true });
  return `${lines.join('\n')}\n`;
}

test('a trailing slash after a symlink: the virtual filesystem answers every operation as Linux does', async () => {
  const dir = workspace();
  const tree = join(dir, 'edges');
  mkdirSync(join(tree, 'sub'), { recursive: true });
  writeFileSync(join(tree, 'file'), 'f');
  writeFileSync(join(tree, 'sub/x'), 'x');
  for (const [link, target] of [['flink', 'file'], ['dlink', 'sub'], ['dot', '.'], ['dangling', 'missing'], ['slash', 'sub/'], ['fslash', 'file/']]) {
    symlinkSync(target, join(tree, link));
  }
  const { component } = await buildIn(dir, 'version: 1\nfilesystem:\n  writable: true\n  mounts:\n    /data: { embed: ./edges }\n', edges);
  for (const path of ['/data/flink/', '/data/dlink/', '/data/dot/', '/data/dangling/', '/data/slash/', '/data/fslash/', '/data/dlink/x/', '/data/slash']) {
    const virt = await runCommand(component, { args: ['edges', path] });
    assert.is(virt.trap, undefined, virt.trap);
    assert.fixture(virt.stdout, posixReference(tree, path, join(dir, 'scratch')), path);
  }
});

test('traversal attacks, read-only content, stdin and a sleep, in one run', async () => {
  const dir = workspace();
  const yaml = [
    'version: 1',
    'deterministic: true',
    'stdio: { stdin: { text: "typed line\\n" } }',
    'filesystem:',
    '  mounts:',
    '    /data: { embed: ./tree }',
    '    /data/up: { symlink: .. }',
    '    /data/root: { symlink: / }',
    '    /data/loop1: { symlink: loop2 }',
    '    /data/loop2: { symlink: loop1 }',
    '    /tmp: { memory: {} }',
  ].join('\n');
  const { component } = await buildIn(dir, yaml, attack);
  const { stdout, exitCode, stderr } = await runCommand(component, { dirs: { '/': dir } });
  assert.is(exitCode, 0, stderr);
  assert.fixture(stdout, [
    'plain read: read "hello\n"',
    'dotdot: EPERM',
    'dotdot chain: EPERM',
    'deep dotdot chain: EPERM',
    'absolute outside: ENOTCAPABLE', // wasi-libc: no preopen holds /etc
    'symlink to parent: EPERM',
    'symlink to root: EPERM',
    'symlink loop: ELOOP',
    'create absolute symlink: EPERM',
    'create dotdot symlink: ok', // creating it is allowed; following it is not
    'read dotdot symlink: EPERM',
    'nul in path: EINVAL',
    'long name: ENAMETOOLONG',
    'long path: ENAMETOOLONG',
    'write read-only: EROFS',
    'create in read-only: EROFS',
    'mkdir in read-only: EROFS',
    'unlink read-only: EROFS',
    'rename read-only: EROFS',
    'create in memory dir: ok',
    'rename across preopens: EROFS', // /data is read-only; the target's directory is checked first
    'mtime: 946684800', // deterministic: true fixes file times at 2000-01-01
    'set times: ok',
    'times set: 1000000000 2000000000.000000005',
    'a new file is newer than the tree: 1; a write makes it newer still: 1', // changes are stamped one tick later
    'stdin: "typed line"',
    'slept: 5 s',
    'read after sleep: read "hello\n"',
    '',
  ].join('\n'));
  assert.not.match(stdout, 'SECRET');
});

test('an embedded-only filesystem leaves no wasi:filesystem import in the output', async () => {
  const dir = workspace();
  const { component, audit } = await buildIn(dir, 'version: 1\nfilesystem:\n  mounts:\n    /data: { embed: ./tree }\n', cat);
  const imports = readComponent(component).imports.map((i) => i.name);
  assert.not.ok(imports.some((name) => name.startsWith('wasi:filesystem/')), imports.join(', '));
  assert.match(audit.lines.find((l) => l.interface.startsWith('wasi:filesystem/types')).detail, 'virtual, read-only except in-memory dirs: /data (embedded)');
  // The host's own preopens are not seen, even when the host offers some.
  const outside = await runCommand(component, { args: ['cat', '/secret.txt'], dirs: { '/': dir } });
  assert.match(outside.stdout, 'cannot open /secret.txt');
});

test('inline text and base64 files, nested mount paths, excludes, and symlinks inside the tree', async () => {
  const dir = workspace();
  writeFileSync(join(dir, 'tree/skip.map'), 'excluded');
  mkdirSync(join(dir, 'tree/sub/deep'));
  writeFileSync(join(dir, 'tree/sub/deep/b.map'), 'excluded too');
  symlinkSync('sub/a.txt', join(dir, 'tree/to-a'));
  symlinkSync(join(dir, 'tree/hello.txt'), join(dir, 'tree/absolute-inside'));
  const yaml = [
    'version: 1',
    'filesystem:',
    '  mtime: "2000-01-01T00:00:00Z"',
    '  mounts:',
    '    /data: { embed: ./tree, exclude: ["**/*.map"] }',
    '    /etc/app/config.toml: { text: "x = 1\\n" }',
    '    /etc/raw.bin: { base64: "aGk=" }',
  ].join('\n');
  const { component } = await buildIn(dir, yaml, cat);
  const read = async (path) => (await runCommand(component, { args: ['cat', path] })).stdout;
  assert.is(await read('/etc/app/config.toml'), 'x = 1\n');
  assert.is(await read('/etc/raw.bin'), 'hi');
  assert.is(await read('/data/to-a'), 'a\n');
  assert.is(await read('/data/absolute-inside'), 'hello\n', 'an absolute symlink inside the tree is kept, made relative');
  assert.match(await read('/data/skip.map'), 'cannot open /data/skip.map');
  assert.match(await read('/data/sub/deep/b.map'), 'cannot open');
});

test('a writable host mount: the workout prints what it prints on the host directory itself, and changes it', async () => {
  const dir = workspace();
  const [direct, mounted] = [join(dir, 'direct'), join(dir, 'mounted')];
  cpSync(join(dir, 'tree'), direct, { recursive: true });
  cpSync(join(dir, 'tree'), mounted, { recursive: true });
  const host = await runCommand(workout, { dirs: { '/data': direct } });
  const yaml = 'version: 1\nfilesystem:\n  mounts:\n    /data: { host: /srv/data, write: true }\n    /scratch: { memory: {} }\n';
  const { component, audit } = await buildIn(dir, yaml, workout);
  assert.match(audit.lines.find((l) => l.interface.startsWith('wasi:filesystem/types')).detail, '/data (host /srv/data, writable)');
  const virt = await runCommand(component, { dirs: { '/srv/data': mounted } });
  assert.is(virt.exitCode, 0, virt.stderr);
  assert.fixture(virt.stdout, host.stdout);
  assert.equal(snapshot(mounted), snapshot(direct), 'the run changed the host directory as a direct run does');
});

test('a read-only host mount: paths are checked before the host sees them, and nothing changes', async () => {
  const dir = workspace();
  const tree = join(dir, 'tree');
  symlinkSync('..', join(tree, 'up'));
  symlinkSync('/', join(tree, 'root'));
  symlinkSync('loop2', join(tree, 'loop1'));
  symlinkSync('loop1', join(tree, 'loop2'));
  const before = snapshot(tree);
  const yaml = 'version: 1\ndeterministic: true\nstdio: { stdin: ignore }\nfilesystem:\n  mounts:\n    /data: { host: /srv/data }\n    /tmp: { memory: {} }\n';
  const { component } = await buildIn(dir, yaml, attack);
  const { stdout, exitCode, stderr } = await runCommand(component, { dirs: { '/srv/data': tree, '/': dir } });
  assert.is(exitCode, 0, stderr);
  for (const line of [
    'plain read: read "hello\n"', 'dotdot: EPERM', 'deep dotdot chain: EPERM', 'absolute outside: ENOTCAPABLE',
    'symlink to parent: EPERM', 'symlink to root: EPERM', 'symlink loop: ELOOP', 'nul in path: EINVAL',
    'long name: ENAMETOOLONG', 'long path: ENAMETOOLONG', 'write read-only: EROFS', 'create in read-only: EROFS',
    'mkdir in read-only: EROFS', 'unlink read-only: EROFS', 'rename read-only: EROFS', 'rename across preopens: EXDEV',
  ]) assert.match(stdout, `${line}\n`);
  assert.not.match(stdout, 'SECRET');
  assert.equal(snapshot(tree), before);
});

test('a host mount inside an embedded tree: paths cross into it, and `..` does not cross back out', async () => {
  const dir = workspace();
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'note.txt'), 'on the host\n');
  const yaml = 'version: 1\nfilesystem:\n  mounts:\n    /app: { embed: ./tree }\n    /app/data: { host: /srv/data }\n';
  const { component } = await buildIn(dir, yaml, cat);
  const read = async (path) => (await runCommand(component, { args: ['cat', path], dirs: { '/srv/data': data } })).stdout;
  assert.is(await read('/app/data/note.txt'), 'on the host\n');
  assert.is(await read('/app/hello.txt'), 'hello\n');
  assert.is(await read('/app/data/../hello.txt'), 'cannot open /app/data/../hello.txt: Operation not permitted\n');
});

test('a tree of thousands of files is read where the app looks: the output holds its layout, not a heap of nodes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-fs-'));
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(dir, `tree/d${d}`), { recursive: true });
    for (let f = 0; f < 150; f++) writeFileSync(join(dir, `tree/d${d}/f${f}.txt`), `${d}/${f}\n`);
  }
  mkdirSync(join(dir, 'one'));
  writeFileSync(join(dir, 'one/f.txt'), 'x\n');
  const yaml = (tree) => `version: 1\nfilesystem:\n  mounts:\n    /t: { embed: ./${tree} }\n    /t/d3/inner: { text: "inner\\n" }\n`;
  const small = await buildIn(dir, yaml('one'), cat);
  const large = await buildIn(dir, yaml('tree'), cat);
  const read = async (path) => (await runCommand(large.component, { args: ['cat', path] })).stdout;
  assert.is(await read('/t/d0/f0.txt'), '0/0\n');
  assert.is(await read('/t/d19/f149.txt'), '19/149\n');
  assert.is(await read('/t/d7/../d3/f42.txt'), '3/42\n');
  assert.is(await read('/t/d3/inner'), 'inner\n', 'a mount inside the embedded tree');
  assert.is(await read('/t/d3/f149.txt'), '3/149\n', 'the directory holding that mount keeps its files');
  assert.match(await read('/t/d20/f0.txt'), 'No such file or directory');
  // 3,020 nodes: about 32 bytes of layout and a name each, against 270 bytes each as heap objects.
  const perNode = (large.component.length - small.component.length) / 3020;
  assert.ok(perNode < 60, `${perNode.toFixed(0)} bytes per node`);
  assert.not.ok(large.plan.filesystem.mounts[0].source.root.entries.get('d3').entries.has('inner'), 'the Plan\'s tree is left as it was read');
});

test('a host mount the host does not offer is absent; the rest of the tree is there', async () => {
  const dir = workspace();
  const yaml = 'version: 1\nfilesystem:\n  mounts:\n    /data: { host: /srv/data }\n    /etc/app.toml: { text: "x = 1" }\n';
  const { component } = await buildIn(dir, yaml, cat);
  assert.match((await runCommand(component, { args: ['cat', '/data/hello.txt'] })).stdout, 'cannot open /data/hello.txt');
  assert.is((await runCommand(component, { args: ['cat', '/etc/app.toml'] })).stdout, 'x = 1');
});

test('deterministic: true fixes file times: two builds of the same tree, touched in between, are the same bytes', async () => {
  const dir = workspace();
  const yaml = 'version: 1\ndeterministic: true\nfilesystem:\n  mounts:\n    /data: { embed: ./tree }\n    /etc/a.conf: { text: "a" }\n';
  const first = await buildIn(dir, yaml, workout);
  utimesSync(join(dir, 'tree/hello.txt'), new Date(), new Date(Date.now() + 60_000));
  const second = await buildIn(dir, yaml, workout);
  assert.ok(Buffer.from(first.component).equals(Buffer.from(second.component)), 'the outputs differ');
});

async function buildError(dir, yaml, app = cat) {
  const error = await buildIn(dir, yaml, app).then(() => undefined, (e) => e);
  assert.ok(error, 'the build should have failed');
  return error;
}

test('a symlink out of the embedded tree is a build error, unless follow copies what it points at', async () => {
  const dir = workspace();
  symlinkSync('../secret.txt', join(dir, 'tree/escape'));
  const yaml = 'version: 1\nfilesystem:\n  mounts:\n    /data: { embed: ./tree }\n';
  const error = await buildError(dir, yaml);
  assert.is(error.name, 'ManifestError');
  assert.match(error.message, 'virt.yaml:4:21: error: `escape` in `./tree` is a symlink to `../secret.txt`, outside the embedded tree: set `follow: true` to embed what it points at');

  const { component } = await buildIn(dir, yaml.replace('./tree }', './tree, follow: true }'), cat);
  assert.is((await runCommand(component, { args: ['cat', '/data/escape'] })).stdout, 'SECRET');
});

test('embed errors name the line: a missing directory, and a tree over max_size', async () => {
  const dir = workspace();
  const missing = await buildError(dir, 'version: 1\nfilesystem:\n  mounts:\n    /data: { embed: ./nowhere }\n');
  assert.match(missing.message, 'virt.yaml:4:21: error: cannot embed `./nowhere`: no such file');
  writeFileSync(join(dir, 'tree/big.bin'), new Uint8Array(2048));
  const big = await buildError(dir, 'version: 1\nfilesystem:\n  mounts:\n    /data: { embed: ./tree, max_size: 1KiB }\n');
  assert.match(big.message, '`./tree` holds more than its max_size of 1.0 KiB: raise `max_size` to embed it all, or `exclude` what the app does not need');
});

test('follow gives up on a symlink cycle outside the tree, and names a target it cannot follow', async () => {
  const dir = workspace();
  mkdirSync(join(dir, 'outside'));
  symlinkSync('.', join(dir, 'outside/again'));
  symlinkSync('../outside', join(dir, 'tree/out'));
  const yaml = 'version: 1\nfilesystem:\n  mounts:\n    /data: { embed: ./tree, follow: true }\n';
  const cycle = await buildError(dir, yaml);
  assert.match(cycle.message, 'error: `out/again/again/again');
  assert.match(cycle.message, 'in `./tree`: too many levels of symlinks to follow');
  const other = workspace();
  symlinkSync('../nowhere', join(other, 'tree/dangling'));
  const dangling = await buildError(other, yaml);
  assert.match(dangling.message, '`dangling` in `./tree` points at `../nowhere`, which cannot be followed: no such file');
});

test('a mount below a file of an embedded tree, and a build given no way to read files, are refused', async () => {
  const dir = workspace();
  const nested = await buildError(dir, 'version: 1\nfilesystem:\n  mounts:\n    /data: { embed: ./tree }\n    /data/hello.txt/x: { text: "" }\n');
  assert.is(nested.name, 'ManifestError');
  assert.match(nested.message, 'virt.yaml:5:24: error: cannot mount `/data/hello.txt/x`: `/data/hello.txt`, on its way, is a file in the tree mounted at `/data`');
  const source = 'version: 1\nfilesystem:\n  mounts:\n    /data: { embed: ./tree }\n';
  const unreadable = await build({ manifest: { source, file: 'virt.yaml' }, app: cat }).then(() => undefined, (e) => e);
  assert.is(unreadable?.name, 'ManifestError');
  assert.match(unreadable.message, 'virt.yaml:4:21: error: cannot embed `./tree`: this build was given no way to read files');
});

test('each directory mount is a preopen at its own path; the directories on the way are not', async () => {
  // ruby.wasm carries its own `/usr`: a mount below it must not hide it behind a preopen `/usr`.
  const yaml = 'version: 1\nfilesystem:\n  mounts:\n    /usr/local/lib/ruby: { memory: {} }\n    /usr/local/lib/ruby/json.rb: { text: "JSON" }\n'
    + '    /data: { memory: {} }\n    /data/sub: { memory: {} }\n    /data/sub/x.txt: { text: "in sub" }\n';
  const { component } = await build({ manifest: { source: yaml, file: 'virt.yaml' }, app: preopens });
  const { stdout } = await runCommand(component, { args: ['preopens', '/usr/local/lib/ruby/json.rb', '/data/sub/x.txt', '/usr/local/lib'] });
  assert.is(stdout, [
    'preopen /data', 'preopen /data/sub', 'preopen /usr/local/lib/ruby',
    // No preopen holds it: wasi-libc says ENOTCAPABLE.
    '/usr/local/lib/ruby/json.rb: JSON', '/data/sub/x.txt: in sub', '/usr/local/lib: Capabilities insufficient', '',
  ].join('\n'));
});

test('a file or symlink mount lives in its parent directory, a preopen unless a directory mount holds it', async () => {
  const yaml = 'version: 1\nfilesystem:\n  mounts:\n    /config.toml: { text: "top" }\n    /etc/app.toml: { text: "app" }\n    /etc/link: { symlink: app.toml }\n'
    + '    /srv: { memory: {} }\n    /srv/www/index.html: { text: "index" }\n';
  const { component } = await build({ manifest: { source: yaml, file: 'virt.yaml' }, app: preopens });
  const { stdout } = await runCommand(component, { args: ['preopens', '/config.toml', '/etc/link', '/srv/www/index.html'] });
  // `/` holds `/etc` too, so `/etc` needs no preopen of its own.
  assert.is(stdout, ['preopen /srv', 'preopen /', '/config.toml: top', '/etc/link: app', '/srv/www/index.html: index', ''].join('\n'));
});

test('`.` is a preopen of its own, named `.`, and a file mount at `.` is refused', async () => {
  const dir = workspace();
  const yaml = 'version: 1\nfilesystem:\n  mounts:\n    .: { embed: ./tree }\n    /etc/app.toml: { text: "app" }\n';
  const { component } = await buildIn(dir, yaml, preopens);
  const { stdout } = await runCommand(component, { args: ['preopens', 'hello.txt', '/etc/app.toml'] });
  assert.match(stdout, /^preopen \/etc\npreopen \.\n/);
  assert.match(stdout, `hello.txt: ${readFileSync(join(dir, 'tree/hello.txt'), 'utf8')}`);
  const error = await buildError(dir, 'version: 1\nfilesystem:\n  mounts:\n    .: { text: "x" }\n');
  assert.is(error.name, 'ManifestError');
  assert.match(error.message, 'virt.yaml:4:8: error: `.` is a preopen, so it must be a directory: `embed` one, use `memory: {}`, or a `host` directory (at `filesystem.mounts..`)');
});

test.run();
