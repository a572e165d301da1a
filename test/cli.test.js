import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWat } from '../dist/jco/jco.js';
import { cli, fixture, renameInterfaces, root, runCommand } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'virt-cli-'));
const manifest = join(dir, 'virt.yaml');
writeFileSync(manifest, 'version: 1\nenv:\n  vars: { HOME: /home/app }\n');
const app = 'test/fixtures/apps/env-print.wasm';

function file(name, contents) {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

/** Builds and expects a refusal: exit 2, the message, and no output file (nor a temp file) left. */
function refuses(args, message) {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.wasm`);
  const result = cli(['build', ...args, '-o', out]);
  assert.is(result.status, 2, result.stderr);
  assert.match(result.stderr, message);
  assert.not.ok(existsSync(out), 'an output file was written');
  assert.equal(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  return result;
}

// The lines of one group of the audit (`virtualized (3):` and what follows it); empty when it is not there.
function group(stdout, title) {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${title} (`));
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('  '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

test('the audit groups what the app imports, ends with what the output takes from its host, and lists absent ones only with -v', () => {
  const out = join(dir, 'audit.wasm');
  const hello = 'examples/hello/app.wasm';
  const built = cli(['build', 'examples/hello/virt.yaml', hello, '-o', out]);
  assert.is(built.status, 0, built.stderr);
  const lines = built.stdout.trimEnd().split('\n');
  assert.equal(lines.filter((l) => !l.startsWith('  ')), ['virtualized (1):', 'denied (2):', 'passed to the host (12):', lines.at(-1)]);
  assert.match(group(built.stdout, 'denied'), /wasi:filesystem\/preopens@0\.2\.12\s+none: the app sees no preopens/);
  // In the app's order of imports: for a preview-1 program, the order in which virt's layer first calls them.
  assert.is(lines.at(-1), 'the output takes from its host: the wall clock, the environment (in part), the terminal, stdout, stdin, stderr, '
    + 'exit, the types of wasi:io, wasi:cli');
  assert.not.match(built.stdout, 'wasi:sockets');
  const verbose = cli(['build', '-v', 'examples/hello/virt.yaml', hello, '-o', out]);
  assert.match(group(verbose.stdout, 'absent (the app does not import them)'), /wasi:sockets\/tcp\s+policy: denied: sockets cannot be created/);
  const sealed = cli(['build', file('sealed.yaml', 'version: 1\ndeterministic: true\nstdio: { stdin: ignore }\nexit: deny\nenv: { args: [hello] }\n'), hello, '-o', out]);
  assert.match(sealed.stdout.trimEnd().split('\n').at(-1), /^the output takes from its host: stdout, stderr, the types of wasi:io$/);
});

test('init writes a starter manifest that builds, with the schema line first, and never overwrites without --force', async () => {
  const project = mkdtempSync(join(tmpdir(), 'virt-init-'));
  const manifestPath = join(project, 'virt.yaml');
  const made = cli(['init', join(root, 'test/fixtures/corpus/js-app.wasm')], { cwd: project });
  assert.is(made.status, 0, made.stderr);
  const text = readFileSync(manifestPath, 'utf8');
  const schema = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
  assert.ok(schema, text);
  assert.ok(existsSync(join(project, schema[1])), `the schema path ${schema[1]} resolves from the manifest`);
  // What the app reaches is written out; what it cannot reach is not.
  assert.match(text, /^http: deny /m);
  assert.match(text, /^ {2}terminal: host /m);
  assert.not.match(text, /^sockets:/m);
  assert.match(text, /^# filesystem:/m);
  const out = join(project, 'out.wasm');
  const built = cli(['build', manifestPath, join(root, 'test/fixtures/corpus/js-app.wasm'), '-o', out]);
  assert.is(built.status, 0, built.stderr);
  const again = cli(['init', join(root, 'test/fixtures/apps/hello.wasm'), '-o', manifestPath]);
  assert.is(again.status, 2);
  assert.match(again.stderr, `virt: error: \`${manifestPath}\` exists: pass --force to overwrite it`);
  assert.is(readFileSync(manifestPath, 'utf8'), text, 'the file is left as it was');
  const forced = cli(['init', join(root, 'test/fixtures/apps/hello.wasm'), '-o', manifestPath, '--force']);
  assert.is(forced.status, 0, forced.stderr);
  assert.not.match(readFileSync(manifestPath, 'utf8'), /^http:/m);
  // A preview-1 module is read as virt would wrap it; the manifest builds and the app runs under it.
  const core = join(project, 'core.yaml');
  assert.is(cli(['init', join(root, 'test/fixtures/apps/env-print.core.wasm'), '-o', core]).status, 0);
  assert.is(cli(['build', core, join(root, 'test/fixtures/apps/env-print.core.wasm'), '-o', out]).status, 0);
  assert.is((await runCommand(new Uint8Array(readFileSync(out)), { env: [['SECRET', 'x']] })).exitCode, 0);
});

test('init without an app, or with one that is not wasm, exits 2 and says why', () => {
  const usage = cli(['init']);
  assert.is(usage.status, 2);
  assert.match(usage.stderr, 'usage: virt init <app.wasm> [-o virt.yaml] [--force]');
  const bad = cli(['init', 'README.md', '-o', join(dir, 'never.yaml')]);
  assert.is(bad.status, 2);
  assert.not.ok(existsSync(join(dir, 'never.yaml')));
});

test('build writes the output, prints the audit and exits 0', async () => {
  const out = join(dir, 'ok.wasm');
  const result = cli(['build', manifest, app, '-o', out, '--no-cache']);
  assert.is(result.status, 0, result.stderr);
  assert.match(group(result.stdout, 'virtualized'), /^ {2}wasi:cli\/environment@0\.2\.12\s+vars "HOME"/m);
  assert.match(group(result.stdout, 'passed to the host'), /^ {2}wasi:cli\/stdout@0\.2\.12$/m);
  assert.match(result.stderr, 'building the environment unit for `wasi:cli/environment@0.2.12`');
  const { stdout } = await runCommand(new Uint8Array(readFileSync(out)));
  assert.match(stdout, 'env HOME=/home/app\n');
  const quiet = cli(['build', '-q', manifest, 'test/fixtures/apps/env-print.core.wasm', '-o', out]);
  assert.is(quiet.status, 0, quiet.stderr);
  assert.is(quiet.stderr + quiet.stdout, '', 'with -q, nothing but errors');
});

test('build reuses units built before from the same manifest and app, rebuilds after a change, and --no-cache builds all', () => {
  const env = { XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'virt-units-')) };
  const dir = mkdtempSync(join(tmpdir(), 'virt-units-build-'));
  const manifest = (home) => {
    writeFileSync(join(dir, 'virt.yaml'), `version: 1\nenv:\n  vars: { HOME: ${home} }\n`);
    return join(dir, 'virt.yaml');
  };
  const build = (out, ...flags) => cli(['build', manifest(out === 'c' ? '/other' : '/home/app'), 'test/fixtures/apps/hello.wasm', '-o', join(dir, `${out}.wasm`), ...flags], { env });
  const first = build('a');
  assert.is(first.status, 0, first.stderr);
  assert.match(first.stderr, 'virt: building the environment unit');
  const second = build('b');
  assert.match(second.stderr, 'virt: reusing the environment unit for `wasi:cli/environment@0.2.12` from the cache');
  assert.match(second.stderr, 'virt: reusing the null-filesystem unit');
  assert.equal(readFileSync(join(dir, 'b.wasm')), readFileSync(join(dir, 'a.wasm')), 'a cached unit makes the same output');
  // The output validated once: the same bytes are not validated again, so a build of cached units never loads jco.
  const marks = readdirSync(join(env.XDG_CACHE_HOME, 'virt/units')).filter((f) => f.endsWith('.passed'));
  assert.is(marks.length, 1, 'one mark for the one output both builds made');
  // A unit's key holds the whole Plan: any change to the manifest builds each unit again.
  assert.match(build('c').stderr, 'virt: building the environment unit');
  assert.match(build('d', '--no-cache').stderr, 'virt: building the null-filesystem unit');
  // A damaged entry is no hit: the unit is built again, and the output is the same.
  const units = join(env.XDG_CACHE_HOME, 'virt/units');
  for (const file of readdirSync(units)) writeFileSync(join(units, file), 'damaged');
  const repaired = build('e');
  assert.match(repaired.stderr, 'virt: building the environment unit');
  assert.equal(readFileSync(join(dir, 'e.wasm')), readFileSync(join(dir, 'a.wasm')));
});

test('run whose reader closes the pipe early (| head) ends quietly with 141, not a stack trace', async () => {
  const child = spawn(process.execPath, [join(root, 'bin/virt.js'), 'run', 'test/fixtures/apps/env-print.wasm', '--', 'a'], {
    cwd: root, env: { ...process.env, XDG_CACHE_HOME: join(tmpdir(), 'virt-test-xdg') },
  });
  child.stdout.destroy(); // the reader is gone before the guest writes
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const status = await new Promise((resolve) => child.on('close', resolve));
  assert.is(status, 141, stderr);
  assert.is(stderr, '');
});

test('run propagates the guest exit code, and passes arguments after --', () => {
  const out = join(dir, 'run.wasm');
  cli(['build', file('args.yaml', 'version: 1\nenv:\n  host: { allow: [EXIT_CODE] }\n'), app, '-o', out]);
  const ok = cli(['run', out, '--', 'a', 'b c']);
  assert.is(ok.status, 0);
  assert.match(ok.stdout, 'arg 1 a\narg 2 b c\n');
  const failing = cli(['run', out, '--env', 'EXIT_CODE=7']);
  assert.is(failing.status, 7);
});

test('run grants host directories only with --dir', () => {
  const out = join(dir, 'cat.wasm');
  const hostFiles = join(dir, 'host-files.yaml');
  writeFileSync(hostFiles, 'version: 1\nfilesystem: host\n');
  assert.is(cli(['build', hostFiles, 'test/fixtures/apps/cat.wasm', '-o', out]).status, 0);
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'note.txt'), 'from the host\n');
  const closed = cli(['run', out, '--', '/data/note.txt']);
  assert.is(closed.status, 1);
  assert.match(closed.stdout, 'cannot open /data/note.txt');
  const open = cli(['run', out, '--dir', `${data}::/data`, '--', '/data/note.txt']);
  assert.is(open.status, 0, open.stderr);
  assert.is(open.stdout, 'from the host\n');
});

test('inspect shows what a build virtualized, and a manifest\'s policy per import', () => {
  const out = join(dir, 'inspect.wasm');
  cli(['build', manifest, app, '-o', out]);
  const shown = cli(['inspect', out]);
  assert.is(shown.status, 0);
  assert.match(shown.stdout, /virtualized by virt:\n(  .*\n)*  wasi:cli\/environment@0\.2\.12: vars "HOME"/);
  const policy = cli(['inspect', '--manifest', manifest, app]);
  assert.is(policy.status, 0);
  assert.match(group(policy.stdout, 'virtualized'), /wasi:cli\/environment@0\.2\.12\s+vars "HOME"; host vars none; args host; cwd none/);
});

test('build serves what it can inside the app, and --no-in-app serves it all with units, with the same answers', async () => {
  const yaml = file('in-app.yaml', 'version: 1\nenv:\n  vars: { HOME: /home/app }\n');
  const [inside, outside] = [join(dir, 'inside.wasm'), join(dir, 'outside.wasm')];
  const served = cli(['build', '--no-cache', yaml, 'test/fixtures/apps/env-print.wasm', '-o', inside]);
  assert.is(served.status, 0, served.stderr);
  assert.match(served.stderr, 'virt: building the environment unit for `wasi:cli/environment@0.2.12`, inside the app\n');
  assert.not.match(served.stderr, 'composing');
  const units = cli(['build', '--no-cache', '--no-in-app', yaml, 'test/fixtures/apps/env-print.wasm', '-o', outside]);
  assert.is(units.status, 0, units.stderr);
  assert.match(units.stderr, 'virt: building the environment unit for `wasi:cli/environment@0.2.12`\n');
  assert.match(units.stderr, 'virt: composing 2 unit(s) in front of the app');
  const [a, b] = await Promise.all([inside, outside].map((out) => runCommand(new Uint8Array(readFileSync(out)))));
  assert.is(a.stdout, b.stdout);
  assert.match(a.stdout, 'env HOME=/home/app\n');
});

test('--json prints what scripts need: the build\'s audit and sizes, and an inspection', () => {
  const out = join(dir, 'json.wasm');
  const built = cli(['build', '--json', manifest, app, '-o', out]);
  assert.is(built.status, 0, built.stderr);
  const report = JSON.parse(built.stdout);
  assert.is(report.output, out);
  assert.ok(report.units.environment > 0);
  assert.equal(report.audit.find((l) => l.interface === 'wasi:cli/environment@0.2.12').status, 'virtualized');
  const shown = JSON.parse(cli(['inspect', '--json', out]).stdout);
  assert.ok(shown.imports.includes('wasi:cli/stdout@0.2.12'));
  assert.equal(shown.exports, ['wasi:cli/run@0.2.12']);
  assert.ok(shown.audit.some((l) => l.interface === 'wasi:cli/environment@0.2.12'));
});

test('stdin from a file is read at build time, relative to the manifest; a missing one is named at its line', async () => {
  file('input.txt', 'from a file\n');
  const out = join(dir, 'stdin.wasm');
  const ok = cli(['build', file('stdin.yaml', 'version: 1\nstdio:\n  stdin: { file: input.txt }\n'), 'test/fixtures/apps/stdio.wasm', '-o', out]);
  assert.is(ok.status, 0, ok.stderr);
  const { stdout } = await runCommand(new Uint8Array(readFileSync(out)));
  assert.is(stdout, 'read 12 bytes: [from a file\n]\nstdout ok, stderr ok\n');
  const missing = file('missing.yaml', 'version: 1\nstdio:\n  stdin: { file: nope.txt }\n');
  refuses([missing, 'test/fixtures/apps/stdio.wasm'], 'missing.yaml:3:18: error: cannot read `nope.txt`: no such file (at `stdio.stdin.file`)');
});

test('a missing manifest or app is named', () => {
  refuses([join(dir, 'nope.yaml'), app], /cannot read `.*nope\.yaml`: no such file/);
  refuses([manifest, join(dir, 'nope.wasm')], /cannot read `.*nope\.wasm`: no such file/);
});

test('a YAML syntax error names its line and column', () => {
  const bad = file('syntax.yaml', 'version: 1\nenv:\n  vars: { A: b\n');
  refuses([bad, app], /syntax\.yaml:\d+:\d+: error: YAML syntax: /);
});

test('schema violations name line, column and key path, all at once', () => {
  const bad = file('schema.yaml', [
    'version: 1',
    'env:',
    '  varz: {}',
    '  host: { allow: ["A=B"] }',
    '  args: 3',
    '  cwd: relative/dir',
    'filesystem: {}',
  ].join('\n'));
  const { stderr } = refuses([bad, app], 'unknown key `varz`');
  assert.match(stderr, 'schema.yaml:3:3: error: unknown key `varz`; expected one of `vars`, `host`, `args`, `cwd` (at `env.varz`)');
  assert.match(stderr, 'schema.yaml:4:19: error: a glob must be non-empty');
  assert.match(stderr, '(at `env.host.allow[0]`)');
  assert.match(stderr, 'schema.yaml:5:9: error: `env.args` must be `host` or a list of strings, argv[0] first (at `env.args`)');
  assert.match(stderr, 'schema.yaml:6:8: error: `env.cwd` must be `none`, `host` or an absolute path such as `/app` (at `env.cwd`)');
  assert.match(stderr, 'schema.yaml:7:13: error: missing key `mounts` (at `filesystem`)');
  assert.match(stderr, '                 ^^');
});

test('build embeds a tree named relative to the manifest, shows progress, and virt run reads it', () => {
  const project = join(dir, 'project');
  mkdirSync(join(project, 'site/pages'), { recursive: true });
  for (let i = 0; i < 600; i++) writeFileSync(join(project, 'site/pages', `p${i}.txt`), `page ${i}\n`);
  writeFileSync(join(project, 'virt.yaml'), 'version: 1\nfilesystem:\n  mounts:\n    /site: { embed: ./site }\n');
  const out = join(dir, 'site.wasm');
  const built = cli(['build', join(project, 'virt.yaml'), 'test/fixtures/apps/cat.wasm', '-o', out]);
  assert.is(built.status, 0, built.stderr);
  assert.match(built.stderr, 'virt: embedding /site: 500 files, 4.3 KiB');
  assert.match(built.stderr, 'virt: embedded 600 files (5.2 KiB) at /site');
  assert.match(group(built.stdout, 'virtualized'), /wasi:filesystem\/types@0\.2\.12\s+virtual, read-only except in-memory dirs: \/site \(embedded\)/);
  const ran = cli(['run', out, '--', '/site/pages/p599.txt']);
  assert.is(ran.status, 0, ran.stderr);
  assert.is(ran.stdout, 'page 599\n');
});

test('the README\'s filesystem example builds and runs', () => {
  const out = join(dir, 'files.virt.wasm');
  const built = cli(['build', '-q', 'examples/files/virt.yaml', 'examples/files/app.wasm', '-o', out]);
  assert.is(built.status, 0, built.stderr);
  assert.is(cli(['run', out, '--', '/site/guide-link']).stdout, 'Files keep their tree: this one is at /site/docs/guide.txt.\n');
  assert.is(cli(['run', out, '--', '/etc/motd']).stdout, 'no host files here\n');
  assert.match(cli(['run', out, '--', '/etc/passwd']).stdout, 'cannot open /etc/passwd');
});

test('virt run names the host mounts that it was not given', () => {
  const data = join(dir, 'srv-data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'note.txt'), 'from the host\n');
  const out = join(dir, 'mounted.wasm');
  const built = cli(['build', file('mounts.yaml', 'version: 1\nfilesystem:\n  mounts:\n    /data: { host: /srv/data }\n'), 'test/fixtures/apps/cat.wasm', '-o', out]);
  assert.is(built.status, 0, built.stderr);
  const without = cli(['run', out, '--', '/data/note.txt']);
  assert.match(without.stderr, "virt: note: the manifest mounts the host's /srv/data, which this run does not grant: add --dir /srv/data (or --dir HOST_DIR::/srv/data)");
  assert.match(without.stdout, 'cannot open /data/note.txt');
  const granted = cli(['run', out, '--dir', `${data}::/srv/data`, '--', '/data/note.txt']);
  assert.is(granted.stderr, '');
  assert.is(granted.stdout, 'from the host\n');
});

test('a non-Wasm file and a truncated component are refused', () => {
  refuses([manifest, file('text.wasm', 'hello, world')], 'not a WebAssembly binary');
  const whole = fixture('apps/env-print.wasm');
  refuses([manifest, file('cut.wasm', whole.subarray(0, 5000))], 'runs past the end of the input (truncated file?)');
});

test('a core module that is not WASI preview 1 is refused', async () => {
  const core = await parseWat('(module (import "env" "f" (func)) (func (export "_start")))');
  refuses([manifest, file('core.wasm', core)], 'this core module is not a WASI preview-1 program');
});

test('a preview-1 core module is wrapped automatically, and the build says so', async () => {
  const out = join(dir, 'wrapped.wasm');
  const result = cli(['build', manifest, 'test/fixtures/apps/env-print.core.wasm', '-o', out]);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, "virt: note: the app is a WASI preview-1 core module: wrapped it with virt's preview-1 layer (command)");
  const { stdout } = await runCommand(new Uint8Array(readFileSync(out)));
  assert.match(stdout, 'env HOME=/home/app\n');
});

test('an import that the manifest virtualizes and virt cannot serve is refused', async () => {
  // virt virtualizes WASI 0.2.x only, so an environment of another version would reach the host.
  const other = await renameInterfaces(fixture('apps/env-print.wasm'), [['wasi:cli/environment@0.2.12', 'wasi:cli/environment@0.3.0']]);
  const strict = file('strict.yaml', 'version: 1\nenv:\n  args: [app]\n');
  refuses([strict, file('v03.wasm', other)], 'refusing to build: `wasi:cli/environment@0.3.0`: WASI 0.3.0 is not virtualized yet, and the manifest virtualizes the environment');
});

test('an unwritable output is named, with exit 2', () => {
  const result = cli(['build', manifest, app, '-o', join(dir, 'no-such-dir', 'out.wasm')]);
  assert.is(result.status, 2);
  assert.match(result.stderr, /cannot write `.*no-such-dir\/out\.wasm`/);
});

test('bad --env and --dir values are named', () => {
  const envFlag = cli(['run', app, '--env', 'NOVALUE']);
  assert.is(envFlag.status, 2);
  assert.match(envFlag.stderr, '--env takes NAME=VALUE, not `NOVALUE`');
  const dirFlag = cli(['run', app, '--dir', '::/guest']);
  assert.is(dirFlag.status, 2);
  assert.match(dirFlag.stderr, '--dir takes HOST or HOST::GUEST, not `::/guest`');
});

test('usage errors exit 2; --help teaches and exits 0', () => {
  const help = cli(['--help']);
  assert.is(help.status, 0);
  assert.match(help.stdout, 'virt build <manifest.yaml> <app.wasm> -o <out.wasm>');
  assert.match(help.stdout, 'Exit codes:');
  const unknown = cli(['frobnicate']);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, 'unknown command `frobnicate`');
  const noOutput = cli(['build', manifest, app]);
  assert.is(noOutput.status, 2);
  assert.match(noOutput.stderr, 'usage: virt build <manifest.yaml> <app.wasm> -o <out.wasm>');
  const badFlag = cli(['build', '--frob']);
  assert.is(badFlag.status, 2);
  assert.match(badFlag.stderr, "Unknown option '--frob'");
});

test.run();
