/** The resolve answers a benchmark replays: picked from a running registry, bytes and headers kept. */
import { connect } from 'node:net';
import { messageEnd } from '../support/paced-load.js';

/** The answer headers the bare server copies (content-length, date and keep-alive it makes itself, like fastify). */
const KEPT_HEADERS = ['content-type', 'cache-control', 'etag'] as const;

export interface Answer {
  readonly name: string;
  readonly path: string;
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}

/**
 * Resolve every name once (which fills the cache), then keep `howMany` answers that chose
 * an endpoint, around the median size; fetch those again and check that the bytes did not change.
 */
export async function pickAnswers(baseUrl: string, names: readonly string[], howMany: number): Promise<Answer[]> {
  const all: Answer[] = [];
  for (const name of names) {
    const answer = await fetchAnswer(baseUrl, name);
    if ((JSON.parse(answer.body.toString('utf8')) as { endpoint: unknown }).endpoint !== null) all.push(answer);
  }
  if (all.length === 0) throw new Error('no resolve answer chose an endpoint');
  all.sort((a, b) => a.body.length - b.body.length);
  const count = Math.max(1, Math.min(howMany, all.length));
  const from = Math.max(0, Math.floor(all.length / 2) - Math.floor(count / 2));
  const picked = all.slice(from, from + count);
  for (const answer of picked) {
    const again = await fetchAnswer(baseUrl, answer.name);
    if (!again.body.equals(answer.body) || again.headers.etag !== answer.headers.etag) throw new Error(`the answer for ${answer.name} changed between two resolves`);
  }
  return picked;
}

async function fetchAnswer(baseUrl: string, name: string): Promise<Answer> {
  const path = `/v1/resolve?name=${encodeURIComponent(name)}&protocol=mcp`;
  const response = await fetch(baseUrl + path);
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status} ${body.toString('utf8')}`);
  const headers: Record<string, string> = {};
  for (const key of KEPT_HEADERS) {
    const value = response.headers.get(key);
    if (value === null) throw new Error(`GET ${path}: no ${key} header`);
    headers[key] = value;
  }
  return { name, path, body, headers };
}

export interface Comparison {
  /** Header differences on the wire (names, or values of content-type, etag, content-length, keep-alive). */
  readonly notes: string[];
  /** Size of one whole response on the wire (status line, headers, framing, body) of the first path. */
  readonly wireBytes: { readonly bare: number; readonly signpost: number };
}

/**
 * Both servers must send the same body (after any chunked framing is removed) with the same
 * content-type and etag; other header differences (framing, extra headers) are reported.
 */
export async function checkSameAnswers(bareUrl: string, signpostUrl: string, answers: readonly Answer[]): Promise<Comparison> {
  const notes = new Set<string>();
  let wireBytes = { bare: 0, signpost: 0 };
  for (const answer of answers) {
    const [fromBare, fromSignpost] = await Promise.all([fetch(bareUrl + answer.path), fetch(signpostUrl + answer.path)]);
    const [bareBody, signpostBody] = await Promise.all([fromBare.arrayBuffer(), fromSignpost.arrayBuffer()]);
    if (!Buffer.from(bareBody).equals(Buffer.from(signpostBody))) throw new Error(`bare and signpost bodies differ for ${answer.path}`);
    for (const key of ['content-type', 'etag'] as const) {
      if (fromBare.headers.get(key) !== fromSignpost.headers.get(key)) throw new Error(`${key} differs: bare ${fromBare.headers.get(key)} vs signpost ${fromSignpost.headers.get(key)}`);
    }
    const [bareRaw, signpostRaw] = await Promise.all([rawGet(bareUrl, answer.path), rawGet(signpostUrl, answer.path)]);
    if (wireBytes.bare === 0) wireBytes = { bare: bareRaw.bytes, signpost: signpostRaw.bytes };
    const bareNames = [...bareRaw.headers.keys()].sort().join(', ');
    const signpostNames = [...signpostRaw.headers.keys()].sort().join(', ');
    if (bareNames !== signpostNames) notes.add(`header names differ: bare [${bareNames}], signpost [${signpostNames}]`);
    for (const key of ['content-length', 'keep-alive', 'transfer-encoding'] as const) {
      const [b, p] = [bareRaw.headers.get(key), signpostRaw.headers.get(key)];
      if (b !== undefined && p !== undefined && b !== p) notes.add(`${key} differs: bare ${b}, signpost ${p}`);
    }
  }
  return { notes: [...notes], wireBytes };
}

/** One GET over a fresh socket: the response's header lines (lower-cased names) and its size on the wire. */
async function rawGet(baseUrl: string, path: string): Promise<{ headers: Map<string, string>; bytes: number }> {
  const url = new URL(baseUrl);
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  try {
    const data = await new Promise<Buffer>((resolve, reject) => {
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const end = messageEnd(received);
        if (end !== -1) resolve(received.subarray(0, end));
      });
      socket.once('error', reject);
      socket.once('end', () => reject(new Error(`GET ${path}: connection closed early`)));
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
    });
    const head = data.toString('latin1', 0, data.indexOf('\r\n\r\n'));
    const headers = new Map<string, string>();
    for (const line of head.split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    return { headers, bytes: data.length };
  } finally {
    socket.destroy();
  }
}
