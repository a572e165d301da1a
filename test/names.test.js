// Pins the canonical names virt builds and matches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coreExportName, coreImportModule, formatInterfaceName, inNamespace, interfaceId, isWasi02, parseInterfaceName } from '../dist/wit/names.js';

test('interface names parse into namespace, package, interface and version', () => {
  assert.equal(parseInterfaceName('wasi:cli/environment@0.2.3'), {
    namespace: 'wasi', package: 'cli', interface: 'environment', version: { major: 0, minor: 2, patch: 3 },
  });
  assert.equal(parseInterfaceName('acme:my-pkg/iface'), { namespace: 'acme', package: 'my-pkg', interface: 'iface' });
  assert.is(parseInterfaceName('answer'), undefined);
  assert.is(parseInterfaceName('wasi:cli/environment@0.2'), undefined);
  assert.is(formatInterfaceName(parseInterfaceName('wasi:http/types@0.2.0-rc-2023-12-05')), 'wasi:http/types@0.2.0-rc-2023-12-05');
});

test('only released WASI 0.2.x is virtualized', () => {
  assert.ok(isWasi02(parseInterfaceName('wasi:io/poll@0.2.12')));
  assert.not.ok(isWasi02(parseInterfaceName('wasi:io/poll@0.3.0')));
  assert.not.ok(isWasi02(parseInterfaceName('wasi:io/poll@0.2.0-rc-2023-11-10')));
  assert.not.ok(isWasi02(parseInterfaceName('acme:io/poll@0.2.1')));
});

test('core names as wit-component expects them', () => {
  const env = parseInterfaceName('wasi:cli/environment@0.2.3');
  assert.is(coreExportName(env, 'get-environment'), 'wasi:cli/environment@0.2.3#get-environment');
  assert.is(coreImportModule(inNamespace(env, 'host')), 'host:cli/environment@0.2.3');
  assert.is(interfaceId(env), 'wasi:cli/environment');
});

test.run();
