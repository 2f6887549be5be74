import type { IncomingMessage, ServerResponse } from 'node:http';
import { problem } from '../../core/errors.js';
import { PROBLEM_CONTENT_TYPE, problemDocument } from './problem.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Timers, so tests can fire a deadline without waiting for it. */
export interface DeadlineTimers {
  set(callback: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

const realTimers: DeadlineTimers = {
  set: (callback, ms) => setTimeout(callback, ms).unref(),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/**
 * Give every request body `timeoutMs` from the moment its headers arrived. node:http has a request
 * timeout of its own, but it checks only every 30 s (so a slow body stayed open 65–80 s against
 * 15 s) and answers a bare 408 that is not problem+json. When the deadline passes with the body
 * still incomplete, the client gets a catalogued 408 and the connection is closed; the handler's
 * pending read then ends with the socket, so nothing half-read is ever processed.
 */
export function withBodyDeadline(handler: Handler, timeoutMs: number, onTimeout: (request: IncomingMessage) => void, timers: DeadlineTimers = realTimers): Handler {
  return (request, response) => {
    if (hasBody(request) && !request.complete) {
      const timer = timers.set(() => {
        if (request.complete || response.headersSent) return;
        onTimeout(request);
        const document = problemDocument([problem('REQUEST_TOO_SLOW', `the request body did not arrive within ${timeoutMs / 1000} s`)], request.url);
        const body = JSON.stringify(document);
        response.shouldKeepAlive = false;
        response.writeHead(document.status, { 'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`, 'content-length': Buffer.byteLength(body), connection: 'close' });
        response.end(body, () => request.socket.destroy());
      }, timeoutMs);
      const clear = () => timers.clear(timer);
      request.once('end', clear);
      response.once('close', clear);
    }
    handler(request, response);
  };
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
