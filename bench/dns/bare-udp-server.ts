/**
 * Child process, the Node.js ceiling of bench/dns: a bare node:dgram server that answers every
 * query with one fixed answer (the registry's own answer to the first benchmark question), its id
 * patched in. No parsing, no cache lookup, no registry: what one Node.js event loop can answer over
 * UDP at all. Reports `{type: 'ready', port}` over IPC; the answer bytes come in the init message.
 */
import { createSocket } from 'node:dgram';
import { serveUntilParentLeaves } from '../support/children.js';

process.once('message', (init: { answer: string }) => {
  const answer = Buffer.from(init.answer, 'base64');
  const socket = createSocket('udp4');
  socket.on('message', (message, from) => {
    const reply = Buffer.from(answer);
    reply.writeUInt16BE(message.readUInt16BE(0), 0);
    socket.send(reply, from.port, from.address);
  });
  socket.bind(0, '127.0.0.1', () => {
    serveUntilParentLeaves(() => {
      socket.close();
    });
    process.send!({ type: 'ready', port: socket.address().port });
  });
});
