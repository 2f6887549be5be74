import { factsEndpoints } from '../record/agent-facts.js';
import type { AgentEndpoint, AgentFacts } from '../record/types.js';

/** What a requester tells the resolver about itself and the call it wants to make. */
export interface RequesterContext {
  readonly protocol?: string;
  readonly transport?: string;
  /** Wanted version: exact (`2.1.0`) or a prefix of dot-separated parts (`2`, `2.1`). */
  readonly version?: string;
  readonly region?: string;
  /** Highest acceptable cost per call. */
  readonly maxCost?: number;
}

/**
 * Pick the endpoint that fits the requester: hard filters first (protocol, transport, version,
 * cost), then preferences (same region, lower priority number, lower cost, more capacity).
 * Returns null when nothing fits, so the caller can say so instead of handing out a wrong one.
 */
export function chooseEndpoint(facts: AgentFacts, context: RequesterContext): AgentEndpoint | null {
  const candidates = factsEndpoints(facts).filter((e) => fits(e, context));
  if (candidates.length === 0) return null;
  return candidates.reduce((best, e) => (preferenceOrder(e, best, context) < 0 ? e : best));
}

function fits(endpoint: AgentEndpoint, context: RequesterContext): boolean {
  if (context.protocol !== undefined && endpoint.protocol !== context.protocol.toLowerCase()) return false;
  if (context.transport !== undefined && endpoint.transport?.toLowerCase() !== context.transport.toLowerCase()) return false;
  if (context.version !== undefined && !versionMatches(endpoint.version, context.version)) return false;
  if (context.maxCost !== undefined && (endpoint.cost ?? 0) > context.maxCost) return false;
  return true;
}

/** `2` matches `2`, `2.1`, `2.1.3`; an endpoint without a version serves any requested version. */
function versionMatches(offered: string | undefined, wanted: string): boolean {
  if (offered === undefined) return true;
  const offeredParts = offered.replace(/^v/i, '').split('.');
  const wantedParts = wanted.replace(/^v/i, '').split('.');
  return wantedParts.every((part, i) => offeredParts[i] === part);
}

/** Negative when `a` is preferred over `b`. */
function preferenceOrder(a: AgentEndpoint, b: AgentEndpoint, context: RequesterContext): number {
  const region = context.region?.toLowerCase();
  if (region !== undefined) {
    const aHere = a.region?.toLowerCase() === region;
    const bHere = b.region?.toLowerCase() === region;
    if (aHere !== bHere) return aHere ? -1 : 1;
  }
  return (
    (a.priority ?? 0) - (b.priority ?? 0) ||
    (a.cost ?? 0) - (b.cost ?? 0) ||
    (b.capacity ?? 0) - (a.capacity ?? 0)
  );
}
