/**
 * Child process: the baseline. A bare node:http server that answers every request with bytes and
 * headers it was handed over IPC (`{type: 'serve', answers: [{path, status, headers, bodyBase64}]}`),
 * chosen by the request path and query (the first answer for any other URL). Keep-alive matches
 * Signpost's (65 s). It does nothing else: no routing, no validation, no hooks, no logging.
 */
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import { serveUntilParentLeaves } from '../support/children.js';

interface Answer {
  readonly path: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly bodyBase64: string;
}

process.once('message', (message: unknown) => {
  const { answers } = message as { type: 'serve'; answers: Answer[] };
  const byPath = new Map<string, { status: number; headers: OutgoingHttpHeaders; body: Buffer }>();
  for (const answer of answers) {
    const body = Buffer.from(answer.bodyBase64, 'base64');
    byPath.set(answer.path, { status: answer.status, headers: { ...answer.headers, 'content-length': String(body.length) }, body });
  }
  const fallback = byPath.get(answers[0]!.path)!;
  const server = createServer((request, response) => {
    const answer = byPath.get(request.url ?? '') ?? fallback;
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    serveUntilParentLeaves(() => new Promise<void>((resolve) => server.close(() => resolve())));
    process.send!({ type: 'ready', url: `http://127.0.0.1:${port}`, pid: process.pid });
  });
});
