// Runs the uvu suite and ends with a line CI reads: `N passed, N failed`.
// uvu's own summary is spread over several lines; a run with no test fails.
// `node scripts/test.js browser` runs test/browser.test.js alone.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const uvu = fileURLToPath(new URL('../node_modules/uvu/bin.js', import.meta.url));
const only = process.argv[2];
const pattern = only ? `^${only.replace(/[^\w-]/g, '')}\\.test\\.js$` : '\\.test\\.js$';
const child = spawn(process.execPath, [uvu, 'test', pattern], { stdio: ['ignore', 'pipe', 'inherit'] });
let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
});
child.on('close', (code) => {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped');
  console.log(`${passed} passed, ${total - passed - skipped} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code !== 0 ? code ?? 1 : total === 0 ? 1 : 0);
});
