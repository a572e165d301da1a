// Layouts checked against what the canonical ABI gives, as the fixtures' C structs and the
// WASI hosts lay them out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AbiLayouts } from '../dist/wit/abi-layout.js';
import { loadWasiWit } from '../dist/wit/wasi-wit.js';

const abi = new AbiLayouts(await loadWasiWit());

test('records, tuples and plain types', () => {
  assert.equal(abi.layout('wasi:clocks/wall-clock', 'datetime'), { size: 16, align: 8, offsets: [0, 8] });
  assert.equal(abi.layout('wasi:sockets/network', 'ip-socket-address'), { size: 32, align: 4, payloadOffset: 4 });
  assert.equal(abi.layout('wasi:sockets/udp', 'outgoing-datagram').size, 44);
  assert.equal([...abi.fieldOffsets('wasi:sockets/network', 'ipv6-socket-address')], [['port', 0], ['flow-info', 4], ['address', 8], ['scope-id', 24]]);
  assert.is(abi.variant('wasi:sockets/network', 'ip-socket-address').payloadOffset, 4);
  assert.equal(abi.layout('wasi:sockets/tcp', 'tuple<tcp-socket, input-stream, output-stream>'), { size: 12, align: 4, offsets: [0, 4, 8] });
});

test('results put their payload after the discriminant, at the payload alignment', () => {
  const network = 'wasi:sockets/network';
  assert.is(abi.variant(network, 'result<_, error-code>').payloadOffset, 1);
  assert.is(abi.variant('wasi:sockets/tcp', 'result<tcp-socket, error-code>').payloadOffset, 4);
  assert.is(abi.variant('wasi:sockets/udp', 'result<u64, error-code>').payloadOffset, 8);
  // wasi:http's error-code carries u64s, so a result holding it is 8-aligned.
  assert.is(abi.variant('wasi:http/types', 'result<future-incoming-response, error-code>').payloadOffset, 8);
  assert.is(abi.variant('wasi:cli/environment', 'option<string>').payloadOffset, 4);
});

test('result types are read from the WIT, methods included', () => {
  assert.is(abi.resultType('wasi:sockets/tcp-create-socket', 'create-tcp-socket'), 'result<tcp-socket, error-code>');
  assert.is(abi.resultType('wasi:sockets/tcp', '[method]tcp-socket.accept'), 'result<tuple<tcp-socket, input-stream, output-stream>, error-code>');
  assert.is(abi.resultType('wasi:sockets/udp', '[method]outgoing-datagram-stream.send'), 'result<u64, error-code>');
  assert.is(abi.resultType('wasi:http/outgoing-handler', 'handle'), 'result<future-incoming-response, error-code>');
});

test('handle sites: where resources sit in a result, and when', () => {
  assert.equal(abi.handleSites('wasi:sockets/tcp', 'result<tuple<tcp-socket, input-stream, output-stream>, error-code>'), [
    { offset: 4, resource: 'tcp-socket', home: 'wasi:sockets/tcp', when: [{ offset: 0, size: 1, caseIndex: 0 }] },
    { offset: 8, resource: 'input-stream', home: 'wasi:io/streams', when: [{ offset: 0, size: 1, caseIndex: 0 }] },
    { offset: 12, resource: 'output-stream', home: 'wasi:io/streams', when: [{ offset: 0, size: 1, caseIndex: 0 }] },
  ]);
  assert.equal(abi.handleSites('wasi:sockets/instance-network', 'network'), [
    { offset: 0, resource: 'network', home: 'wasi:sockets/network', when: [] },
  ]);
  // A list of preopens: each element's descriptor, in elements of 12 bytes.
  assert.equal(abi.handleSites('wasi:filesystem/preopens', 'list<tuple<descriptor, string>>'), [{
    offset: 0, resource: 'descriptor', home: 'wasi:filesystem/types', when: [],
    list: { elementSize: 12, elements: [{ offset: 0, resource: 'descriptor', home: 'wasi:filesystem/types', when: [] }] },
  }]);
  // stream-error's last-operation-failed carries an io error.
  assert.equal(abi.handleSites('wasi:io/streams', 'result<_, stream-error>'), [
    { offset: 8, resource: 'error', home: 'wasi:io/error', when: [{ offset: 0, size: 1, caseIndex: 1 }, { offset: 4, size: 1, caseIndex: 0 }] },
  ]);
});

test.run();
