import { Counter, Gauge, Histogram, Registry as MetricsRegistry } from 'prom-client';
import type { EvictionReason, ResolveCacheObserver } from './resolve-cache.js';

const EVICTION_REASONS: readonly EvictionReason[] = ['capacity', 'bytes', 'expired', 'invalidated'];

/** One metrics registry per server (not prom-client's global one), so servers in a test run stay apart. */
export function createMetrics(store: { count(): Promise<{ active: number; deregistered: number }> }) {
  const registry = new MetricsRegistry();
  const requests = new Counter({
    name: 'signpost_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'signpost_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route'] as const,
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1],
    registers: [registry],
  });
  const writes = new Counter({
    name: 'signpost_registry_writes_total',
    help: 'Registry writes by operation and outcome (accepted or the error code)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const resolveCache = new Counter({
    name: 'signpost_resolve_cache_total',
    help: 'Resolve answers served from the answer cache (hit) or built (miss)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const resolveCacheEntries = new Gauge({
    name: 'signpost_resolve_cache_entries',
    help: 'Resolve answers held in the answer cache (each spelling of a request shares one)',
    registers: [registry],
  });
  const resolveCacheBytes = new Gauge({
    name: 'signpost_resolve_cache_bytes',
    help: 'Bytes the resolve answer cache accounts for: answer bodies, keys and aliases with their bookkeeping',
    registers: [registry],
  });
  const resolveCacheEvictions = new Counter({
    name: 'signpost_resolve_cache_evictions_total',
    help: 'Answers dropped from the resolve answer cache: capacity (entry bound), bytes (byte bound), expired (TTL or notAfter), invalidated (a write of the name)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Every reason from the start, so that a rate over a reason never seen yet reads 0, not nothing.
  for (const reason of EVICTION_REASONS) resolveCacheEvictions.inc({ reason }, 0);
  const resolveCacheObserver: ResolveCacheObserver = {
    changed(entries, bytes) {
      resolveCacheEntries.set(entries);
      resolveCacheBytes.set(bytes);
    },
    evicted: (reason) => resolveCacheEvictions.inc({ reason }),
  };
  new Gauge({
    name: 'signpost_agents',
    help: 'Names in the store by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await store.count();
      this.set({ state: 'active' }, counts.active);
      this.set({ state: 'deregistered' }, counts.deregistered);
    },
  });
  const watchSubscribers = new Gauge({
    name: 'signpost_watch_subscribers',
    help: 'Open live watch streams (GET /v1/watch)',
    registers: [registry],
  });
  const watchEnded = new Counter({
    name: 'signpost_watch_ended_total',
    help: 'Watch streams the registry ended: WATCH_TOO_SLOW (a subscriber that did not keep up, cut off), WATCH_CLOSED (shutdown)',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  for (const code of ['WATCH_TOO_SLOW', 'WATCH_CLOSED']) watchEnded.inc({ code }, 0);
  return { registry, requests, duration, writes, resolveCache, resolveCacheObserver, watchSubscribers, watchEnded };
}

export type Metrics = ReturnType<typeof createMetrics>;
