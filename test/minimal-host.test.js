// The smallest surface: a fully virtual manifest leaves the output at most
// stdout, stderr, exit and wasi:io, so it runs on a host written here in a few
// dozen lines, with no preview2-shim at all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, load, nodeFiles, readComponent, run } from '../dist/index.js';
import { cacheDir, fixture, root } from './helpers.js';

const sealed = join(root, 'test/fixtures/sealed');
const ALLOWED = ['wasi:cli/stdout', 'wasi:cli/stderr', 'wasi:cli/exit', 'wasi:io/streams', 'wasi:io/error', 'wasi:io/poll'];

class Exit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

// A host of exactly the allowed interfaces: two output streams that collect bytes, always ready.
function minimalHost() {
  const output = { stdout: [], stderr: [] };
  class Pollable {
    ready() { return true; }
    block() {}
  }
  class InputStream {}
  class OutputStream {
    constructor(into) { this.into = into; }
    checkWrite() { return 65536n; }
    write(bytes) { this.into.push(Buffer.from(bytes)); }
    blockingWriteAndFlush(bytes) { this.write(bytes); }
    flush() {}
    blockingFlush() {}
    subscribe() { return new Pollable(); }
  }
  class IoError {
    toDebugString() { return 'io error'; }
  }
  const stdout = new OutputStream(output.stdout);
  const stderr = new OutputStream(output.stderr);
  const imports = {
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/exit': {
      exit: (status) => { throw new Exit(status.tag === 'ok' ? 0 : 1); },
      exitWithCode: (code) => { throw new Exit(code); },
    },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll: (list) => Uint32Array.from(list.keys()) },
  };
  const text = (name) => Buffer.concat(output[name]).toString('utf8');
  return { imports, stdout: () => text('stdout'), stderr: () => text('stderr') };
}

async function runSealed(app) {
  const { component } = await build({
    manifest: { source: readFileSync(join(sealed, 'virt.yaml'), 'utf8'), file: join(sealed, 'virt.yaml') },
    app: fixture(app),
    files: nodeFiles(sealed),
  });
  const names = readComponent(component).imports.map((i) => i.name.replace(/@.*/, ''));
  const host = minimalHost();
  const exports = await (await load(component, { cacheDir })).instantiate(host.imports);
  let exitCode = 0;
  try {
    Object.entries(exports).find(([name]) => name.startsWith('wasi:cli/run@'))[1].run();
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    exitCode = error.code;
  }
  return { names, exitCode, stdout: host.stdout(), stderr: host.stderr(), onShim: await run(component, { cacheDir }) };
}

for (const app of ['apps/cat.wasm', 'corpus/rust-app.wasm', 'corpus/js-app.wasm']) {
  test(`${app}: a fully virtual manifest leaves only stdout, stderr, exit and wasi:io, and runs on a hand-written host`, async () => {
    const { names, exitCode, stdout, stderr, onShim } = await runSealed(app);
    assert.ok(names.every((n) => ALLOWED.includes(n)), names.join(', '));
    assert.is(exitCode, 0);
    if (app === 'apps/cat.wasm') assert.is(stdout, 'embedded text\n');
    else assert.match(stdout, /^args app \/data\/note\.txt$/m);
    // Deterministic: the same bytes as on preview2-shim's full host.
    assert.is(stdout, onShim.stdout);
    assert.is(stderr, onShim.stderr);
  });
}

test.run();
