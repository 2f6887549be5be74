import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { problem, type Problem } from '../../core/errors.js';
import { PROBLEM_CONTENT_TYPE, problemDocument } from './problem.js';

/**
 * What node:http reports before there is a request to answer (a malformed request line, headers
 * over the size limit, a conflicting Content-Length and Transfer-Encoding, headers or a request
 * that did not arrive in time) gets a catalogued problem too, written on the socket, which is then
 * closed. Fastify's default answers these with its own JSON, outside the catalogue.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket, onAnswer: (problem: Problem) => void): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const found = problemOfClientError(error);
  onAnswer(found);
  if (!socket.writable) return void socket.destroy();
  const document = problemDocument([found]);
  const body = JSON.stringify(document);
  socket.end(
    `HTTP/1.1 ${document.status} ${STATUS_CODES[document.status]}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function problemOfClientError(error: Error & { code?: string }): Problem {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem('REQUEST_TOO_SLOW', 'the request did not arrive in full in time');
    case 'HPE_HEADER_OVERFLOW':
      return problem('REQUEST_TOO_LARGE', 'the request headers are larger than this server accepts (16 KiB)');
    default:
      return problem('REQUEST_INVALID', `the request is not valid HTTP/1.1 (${error.code ?? 'unparsable'})`);
  }
}
