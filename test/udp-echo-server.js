// A UDP echo server on 127.0.0.1 in a process of its own (see echo-server.js). Prints its port.
import { createSocket } from 'node:dgram';

const socket = createSocket('udp4');
socket.on('message', (message, from) => socket.send(message, from.port, from.address));
socket.bind(0, '127.0.0.1', () => process.stdout.write(`${socket.address().port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
