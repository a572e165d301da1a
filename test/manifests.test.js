// Each folder under test/fixtures/manifests holds a virt.yaml and the expected
// result: the Plan as JSON, or the formatted diagnostics. UPDATE=1 rewrites them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, readManifest } from '../dist/index.js';
import { root } from './helpers.js';

const cases = join(root, 'test/fixtures/manifests');

for (const name of readdirSync(cases)) {
  test(`manifest: ${name}`, () => {
    const source = readFileSync(join(cases, name, 'virt.yaml'), 'utf8');
    const { plan, diagnostics } = readManifest(source);
    const actual = plan
      ? `${JSON.stringify(plan, (_, v) => (typeof v === "bigint" ? `${v}n` : v), 2)}\n`
      : `${diagnostics.map((d) => `[${d.code}] ${formatDiagnostic('virt.yaml', source, d)}`).join('\n')}\n`;
    const expectedPath = join(cases, name, 'expected.txt');
    if (process.env.UPDATE === '1' || !existsSync(expectedPath)) writeFileSync(expectedPath, actual);
    assert.fixture(actual, readFileSync(expectedPath, 'utf8'));
  });
}

test.run();
