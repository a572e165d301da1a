// Trimming unit components: short core names on both sides of each link, and what is left alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSections, withoutCustomSections } from '../dist/binary/component-reader.js';
import { readModuleInterface } from '../dist/binary/module-reader.js';
import { trimUnitComponent } from '../dist/binary/unit-component.js';
import { componentWit, parseWat, printWasm } from '../dist/jco/jco.js';

// A unit's shape: a module whose export a lift takes, and a module that imports a lowered function
// through a bag of exports made for it.
const UNIT = `(component
  (import "host" (instance $host (export "get-value" (func (result u32)))))
  (core module $main
    (import "wasi:example/host@0.2.12" "get-value" (func $get (result i32)))
    (func (export "cm32p2|wasi:example/value@0.2|get-value") (result i32) call $get)
    (memory (export "cm32p2_memory") 1))
  (alias export $host "get-value" (func $get))
  (core func $lowered (canon lower (func $get)))
  (core instance $bag (export "get-value" (func $lowered)))
  (core instance $i (instantiate $main (with "wasi:example/host@0.2.12" (instance $bag))))
  (alias core export $i "cm32p2|wasi:example/value@0.2|get-value" (core func $f))
  (func $lifted (result u32) (canon lift (core func $f)))
  (export "get-value" (func $lifted)))`;

test("a unit's core names become short on both sides, and the component still type-checks the same", async () => {
  const before = await parseWat(UNIT);
  const after = trimUnitComponent(before);
  assert.ok(after.length < before.length, `${after.length} < ${before.length}`);
  assert.is(await componentWit(after), await componentWit(before));
  const text = await printWasm(after);
  assert.not.match(text, 'cm32p2|');
  assert.not.match(text, 'wasi:example/host@0.2.12');
  const module = readSections(after).find((s) => s.id === 1);
  const { imports, exports } = readModuleInterface(after.subarray(module.contentStart, module.end));
  assert.equal(imports.map((i) => `${i.module}/${i.name}`), ['0/0']);
  assert.equal(exports.map((e) => e.name), ['0', '1']);
});

test('a module whose instance is given to an instantiation keeps its export names, which the importer spells', async () => {
  const wat = `(component
    (core module $a (func (export "long-export-name")))
    (core module $b (import "from-a" "long-export-name" (func)))
    (core instance $ia (instantiate $a))
    (core instance (instantiate $b (with "from-a" (instance $ia)))))`;
  const after = trimUnitComponent(await parseWat(wat));
  assert.match(await printWasm(after), '"long-export-name"');
  await componentWit(after);
});

test('a component that imports a core module is only stripped of custom sections: its module indices would shift', async () => {
  const wat = `(component
    (import "m" (core module $m (export "long-export-name" (func))))
    (core module $n (func (export "another-long-name")))
    (core instance $i (instantiate $n))
    (alias core export $i "another-long-name" (core func)))`;
  const before = await parseWat(wat);
  assert.equal(trimUnitComponent(before), withoutCustomSections(before));
  assert.match(await printWasm(trimUnitComponent(before)), '"another-long-name"');
});

test.run();
