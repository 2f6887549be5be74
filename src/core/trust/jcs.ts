import canonicalizeModule from 'canonicalize';
import { createHash } from 'node:crypto';

type Canonicalize = (input: unknown) => string | undefined;
// canonicalize is CommonJS whose typings claim an ES default export; Node hands us the function itself.
const canonicalize: Canonicalize =
  typeof canonicalizeModule === 'function' ? (canonicalizeModule as Canonicalize) : (canonicalizeModule as { default: Canonicalize }).default;

const utf8 = new TextEncoder();

/**
 * RFC 8785 (JCS) canonical bytes: the only byte form Signpost ever signs or hashes, so a signature
 * made by any JCS implementation verifies here and the other way round.
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(canonicalText(value));
}

export function canonicalText(value: unknown): string {
  const text = canonicalize(value);
  // canonicalize returns undefined for values JSON cannot hold (undefined, functions, symbols).
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

/** Lowercase hex SHA-256 of the canonical bytes. */
export function canonicalSha256Hex(value: unknown): string {
  return createHash('sha256').update(canonicalBytes(value)).digest('hex');
}
