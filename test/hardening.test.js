// Hostile input never costs data, never hangs and never crashes: each case is
// one an attacker (or an unlucky user) tried, and each must end in a clean
// refusal (exit 2, a message with a place, no output) or a correct result.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { BlockList, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSocketRule } from '../dist/policies/socket-rules.js';
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
