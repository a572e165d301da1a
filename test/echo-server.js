// A TCP echo server on 127.0.0.1 in a process of its own: preview2-shim blocks
// the test's thread while the guest waits on a socket. Prints its port, then
// echoes until stdin closes.
import { createServer } from 'node:net';

const server = createServer((socket) => socket.pipe(socket));
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
