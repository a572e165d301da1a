// Hostile input never costs data, never hangs and never crashes: each case is
// one an attacker (or an unlucky user) tried, and each must end in a clean
// refusal (exit 2, a message with a place, no output) or a correct result.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, root } from './helpers.js';

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

test.run();
