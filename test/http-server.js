// An HTTP server on 127.0.0.1 in a process of its own (preview2-shim blocks the
// test's thread while the guest waits). Prints its port, then a line per request.
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  process.stdout.write(`${request.method} ${request.headers.host}${request.url}\n`);
  response.writeHead(204).end();
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
