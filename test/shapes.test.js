// Import shapes that real components have and virt's own fixtures did not:
// partial groups, the whole WASI surface at every version, custom interfaces
// that use wasi:io types. Each is built under every manifest mode: it builds,
// or it is refused with a message that names the interface.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readComponent } from '../dist/index.js';
import { MODES, shapeApp } from './corpus.js';
import { buildWith, compositionError } from './helpers.js';

const SHAPES = {
  // wit-component leaves out what a module does not call: a Rust 0.2.0 component that only waits on its
  // sockets imports tcp and udp, but not network.
  'tcp and udp without network': () => shapeApp(['import wasi:sockets/tcp@0.2.0;', 'import wasi:sockets/udp@0.2.0;'], {
    version: '0.2.0', keep: (module, name) => /sockets/.test(module) && /subscribe/.test(name),
  }),
  'streams without poll': () => shapeApp(['import wasi:cli/stdout@0.2.3;', 'import wasi:io/streams@0.2.3;'], {
    version: '0.2.3', keep: (module, name) => name === 'get-stdout' || name === '[method]output-stream.blocking-write-and-flush',
  }),
  'one function of preopens': () => shapeApp(['import wasi:filesystem/preopens@0.2.6;'], {
    version: '0.2.6', keep: (_, name) => name === 'get-directories',
  }),
  // `to-debug-string`, and wasi:http/types' `use wasi:io/error.{error as io-error}`.
  'the error interface and http types whole': () => shapeApp(['import wasi:io/error@0.2.12;', 'import wasi:http/types@0.2.12;', 'import wasi:cli/stdout@0.2.12;']),
};
for (const version of ['0.2.0', '0.2.3', '0.2.6', '0.2.12']) {
  SHAPES[`the whole surface at ${version}`] = () => shapeApp([`include wasi:cli/imports@${version};`, `include wasi:http/imports@${version};`], { version });
}

for (const [shape, make] of Object.entries(SHAPES)) {
  test(`${shape}: builds under every manifest mode`, async () => {
    const app = await make();
    for (const [mode, yaml] of Object.entries(MODES)) {
      const { component, audit } = await buildWith(yaml, app).catch((error) => {
        throw new Error(`${shape} under ${mode}: ${error.message}`);
      });
      const imports = readComponent(component).imports.map((i) => i.name);
      if (mode === 'denied') assert.not.ok(imports.some((name) => /^wasi:(sockets|random|clocks)\//.test(name)), `${mode}: ${imports}`);
      assert.ok(audit.lines.length > 0);
    }
  });
}

test('a custom interface that uses wasi:io types passes to the host, unless virt owns wasi:io: then it is refused', async () => {
  const app = await shapeApp(['import acme:log/sink@1.0.0;', 'import wasi:cli/stdout@0.2.12;'], {
    extra: 'package acme:log@1.0.0 { interface sink { use wasi:io/streams@0.2.12.{output-stream}; write: func(out: borrow<output-stream>, text: string); } }',
  });
  const { audit } = await buildWith(MODES.default, app);
  assert.is(audit.lines.find((l) => l.interface === 'acme:log/sink@1.0.0').status, 'host');
  const error = await compositionError(buildWith(MODES.stdio, app));
  assert.is(error.subject, 'acme:log/sink@1.0.0');
  assert.match(error.message, '`acme:log/sink@1.0.0` passes to the host, but it uses `output-stream` of `wasi:io/streams@0.2.12`, which virt provides under this manifest');
});

test.run();
