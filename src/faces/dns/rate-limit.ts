/**
 * Response-rate limiting for UDP (after BIND's and Knot's RRL): each client network (IPv4 /24,
 * IPv6 /56) may get `perSecond` answers a second, with a burst of as many. Past that, answers are
 * dropped, but every `slip`-th one goes out truncated (TC, no records), so a real client behind a
 * busy network retries over TCP, which a spoofed source cannot complete. This keeps the server from
 * being used to reflect and amplify traffic at a victim whose address is forged. TCP is not limited.
 */
import { isIPv6 } from 'node:net';

export interface RateLimitOptions {
  /** Answers a second per client network. */
  readonly perSecond: number;
  /** Every slip-th answer over the limit is sent truncated instead of dropped (default 2; 0: drop all). */
  readonly slip?: number;
  /** Milliseconds, from the face's clock port. */
  readonly now: () => number;
  /** Most networks tracked (default 100,000); the oldest are forgotten first. */
  readonly maxNetworks?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  over: number;
}

export type RateDecision = 'answer' | 'truncate' | 'drop';

export class ResponseRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #options: Required<RateLimitOptions>;

  constructor(options: RateLimitOptions) {
    this.#options = { slip: 2, maxNetworks: 100_000, ...options };
  }

  /** Whether to answer a UDP query from `address` now, send it truncated, or drop it. */
  decide(address: string): RateDecision {
    const network = networkOf(address);
    const now = this.#options.now();
    let bucket = this.#buckets.get(network);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#options.maxNetworks) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = { tokens: this.#options.perSecond, updatedAt: now, over: 0 };
      this.#buckets.set(network, bucket);
    }
    bucket.tokens = Math.min(this.#options.perSecond, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.#options.perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 'answer';
    }
    bucket.over++;
    return this.#options.slip > 0 && bucket.over % this.#options.slip === 0 ? 'truncate' : 'drop';
  }
}

/** The network a client is counted in: its IPv4 /24 or its IPv6 /56. */
function networkOf(address: string): string {
  const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!isIPv6(plain)) return plain.split('.').slice(0, 3).join('.');
  const groups = expandIPv6(plain);
  return `${groups.slice(0, 3).join(':')}:${groups[3]!.slice(0, 2)}`;
}

function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => group.padStart(4, '0'));
}
