/** The layers of anatomy-server.ts, cheapest first; each one adds to the one before. */
export const LAYERS = ['fastify', 'options', 'logger', 'schema', 'metrics', 'product'] as const;
export type Layer = (typeof LAYERS)[number];

/**
 * Changes tried on top of the `product` layer, one at a time:
 * - `lazylog`: a childLoggerFactory that makes the per-request pino child only when something logs
 * - `nolog`: no logger at all (the cost of the per-request child logger, for comparison)
 * - `labels`: metrics children bound once per route and status instead of label objects per request
 * - `fastpath`: cache hits answered in the node:http request listener, before fastify routes them,
 *   as src/faces/http/resolve-fast-path.ts does it: three prom-client updates per hit, a per-socket
 *   inactivity timeout (server.setTimeout), no Content-Length (so chunked framing)
 * - `fastpath-lean`: the same with plain counters (what a scrape-time collect() would read), no
 *   per-socket timeout, and Content-Length
 */
export const CHANGES = ['lazylog', 'nolog', 'labels', 'fastpath', 'fastpath-lean'] as const;
export type Change = (typeof CHANGES)[number];
