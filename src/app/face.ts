/**
 * A face of the registry process: one protocol translated to and from the shared core services
 * (HTTP today; DNS, gossip, the recursive resolver and the web explorer plug in the same way). The
 * composition root (main.ts) builds the services once, then starts its faces in order and closes
 * them in reverse.
 */
export interface Face {
  readonly name: string;
  /** Start serving; the URL it serves at. A face that fails to start has opened nothing. */
  start(): Promise<{ readonly url: string }>;
  /** Stop serving; in-flight requests finish first. */
  close(): Promise<void>;
}
