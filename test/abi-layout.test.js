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
  assert.equal(abi.tupleOffsets('wasi:sockets/tcp', 'tuple<tcp-socket, input-stream, output-stream>'), [0, 4, 8]);
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

test.run();
