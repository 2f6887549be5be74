/**
 * How the SDK and the CLI talk HTTP to a registry. By default through node:http and node:https,
 * whose parser is native: the global fetch (undici) costs about 50 ms to load and then holds a
 * short-lived process about 150 ms at exit (its WebAssembly HTTP parser), which together were
 * most of a `signpost resolve` beyond Node's own start (bench/cli). A caller that gives its own
 * fetch (a proxy, a test double) gets exactly that fetch, adapted.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Ends the exchange, the body included, when it fires. */
  readonly signal: AbortSignal;
}

/** An answer whose body is still to be read. */
export interface HttpAnswer {
  readonly status: number;
  /** A response header, or null. */
  header(name: string): string | null;
  readonly body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** Stop reading the body and drop the connection. */
  discard(): void;
}

export type HttpExchange = (url: string, request: HttpRequest) => Promise<HttpAnswer>;

/** node:http or node:https; rejects (as fetch does) when nothing answers, or on a URL that is not http(s). */
export const nodeHttpExchange: HttpExchange = (url, { method, headers, body, signal }) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return reject(new TypeError(`${url}: only http and https URLs are fetched`));
    const sent = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method, headers: sent, signal });
    request.once('error', reject);
    request.once('response', (response: IncomingMessage) =>
      resolve({
        status: response.statusCode ?? 0,
        header: (name) => {
          const value = response.headers[name.toLowerCase()];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        },
        body: response,
        discard: () => response.destroy(),
      }),
    );
    request.end(body);
  });

/** A fetch, as an exchange. */
export function fetchExchange(fetchImpl: typeof fetch): HttpExchange {
  return async (url, { method, headers, body, signal }) => {
    return answerOf(await fetchImpl(url, { method, headers, ...(body === undefined ? {} : { body }), signal }));
  };
}

function answerOf(response: Response): HttpAnswer {
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    body: response.body === null ? [] : (response.body as unknown as AsyncIterable<Uint8Array>),
    discard: () => void response.body?.cancel().catch(() => {}),
  };
}

/** A fetched body, or undefined once it passes `max` bytes. */
export function readCapped(response: Response, max: number): Promise<Uint8Array | undefined> {
  return readBodyCapped(answerOf(response), max);
}

/** The body, or undefined once it passes `max` bytes (the rest is not read: a hostile server cannot fill memory). */
export async function readBodyCapped(answer: Pick<HttpAnswer, 'body' | 'discard'>, max: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of answer.body) {
    length += chunk.byteLength;
    if (length > max) {
      answer.discard();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}
