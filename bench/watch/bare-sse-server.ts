/**
 * Child process, the baseline of bench/watch: bare node:http doing only the transport of the live
 * watch. `GET /watch` holds a Server-Sent Events stream; `POST /event` reads its body and writes it
 * as one event to every open stream, then answers 200. No store, no signatures, no log: what is
 * left of the watch's latency when everything Signpost does is taken away. Reports
 * `{type: 'ready', url}` over IPC.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveUntilParentLeaves } from '../support/children.js';

const streams = new Set<ServerResponse>();
let index = 0;
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/watch') {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
    response.write('event: open\ndata: {}\n\n');
    streams.add(response);
    response.on('close', () => streams.delete(response));
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const frame = `id: ${index++}\nevent: change\ndata: ${Buffer.concat(chunks).toString('utf8')}\n\n`;
    for (const stream of streams) stream.write(frame);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  serveUntilParentLeaves(() => {
    for (const stream of streams) stream.destroy();
    server.close();
  });
  process.send!({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
