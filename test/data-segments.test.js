// The embedded bytes go into a build's output last: segments hold placeholders
// while a unit is edited, made a component, composed and validated.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fillSegments, segmentPlaceholder, setAsideLargeSegments } from '../dist/binary/data-segments.js';
import { parseWat } from '../dist/jco/jco.js';

const text = (bytes) => new TextDecoder().decode(bytes);
const big = 'x'.repeat(3000);

async function module(segments) {
  return parseWat(`(module (memory 1) ${segments.map((s) => s.passive ? `(data "${s.bytes}")` : `(data (i32.const ${s.at}) "${s.bytes}")`).join(' ')})`);
}

test('large active segments are set aside and filled back to the same module, small ones stay', async () => {
  const original = await module([{ at: 0, bytes: big }, { at: 4000, bytes: 'small' }, { at: 8000, bytes: 'y'.repeat(1500) }]);
  const { module: slim, fills } = setAsideLargeSegments(original, 1024);
  assert.is(fills.length, 2);
  assert.ok(slim.length < 200, `the module without its large segments is ${slim.length} bytes`);
  assert.not.match(text(slim), 'xxxx');
  assert.match(text(slim), 'small');
  assert.equal(fillSegments(slim, fills), original);
});

test('a passive placeholder, at any depth of a component, holds the chunks given; a missing one is an assertion', async () => {
  const placeholder = segmentPlaceholder();
  const inner = await module([{ passive: true, bytes: text(placeholder) }]);
  const chunks = [new TextEncoder().encode('first '), new TextEncoder().encode('second')];
  const filled = fillSegments(inner, [{ placeholder, chunks }]);
  assert.equal(filled, await module([{ passive: true, bytes: 'first second' }]));
  const component = await parseWat(`(component (core module (data "${text(placeholder)}")) (component (core module (data "${text(placeholder)}"))))`);
  const both = text(fillSegments(component, [{ placeholder, chunks }]));
  assert.is(both.split('first second').length, 3, 'both nested modules are filled');
  assert.throws(() => fillSegments(inner, [{ placeholder: segmentPlaceholder(), chunks }]), /placeholder is missing/);
});

test('a segment that only contains a placeholder among other bytes is left as it is', async () => {
  const placeholder = segmentPlaceholder();
  const bytes = await module([{ at: 0, bytes: `before ${text(placeholder)} after` }, { passive: true, bytes: text(placeholder) }]);
  const out = text(fillSegments(bytes, [{ placeholder, chunks: [new TextEncoder().encode('DATA')] }]));
  assert.match(out, `before ${text(placeholder)} after`);
  assert.match(out, 'DATA');
});

test.run();
