/**
 * Tailoring (the adaptive resolver of the founding papers, spec section 23): from the instances an
 * agent publishes (its deployment record, or else the endpoints of its facts), the one that fits
 * the requester: within the constraints (protocol, transport, version range, cost, health,
 * capacity), then nearest, made load-aware by counting distance at (1 + load/capacity), then
 * cheapest, then by id, so equal requests always get the same answer. `selectedBy` says why.
 */
import { fail, ok, type Result } from '../errors.js';
import { factsEndpoints } from '../record/agent-facts.js';
import type { DeploymentInstance } from '../record/deployment.js';
import type { AgentEndpoint } from '../record/types.js';
import type { ActiveAgent } from '../registry/stored-agent.js';
import { MAX_ENDPOINT_TOKEN_SECONDS, type EndpointTokenClaims } from '../trust/endpoint-token.js';

/** What a requester says about itself and what it needs (POST /v1/resolve). */
export interface TailoringContext {
  readonly protocol?: string;
  readonly transport?: string;
  /** A version, a prefix (`2`, `2.1`) or a range of comparators (`>=2.1 <3`). */
  readonly version?: string;
  readonly country?: string;
  readonly city?: string;
  readonly latitude?: number;
  readonly longitude?: number;
  /** The requester's network (`203.0.113.0/24`): context for the agent; not used in the choice. */
  readonly subnet?: string;
  readonly maxCost?: number;
  /** The requester's DID: the endpoint token is bound to it. */
  readonly requester?: string;
  /** What the requester calls the agent for; bound into the token (`invoke` unless given). */
  readonly purpose?: string;
}

export const CONTEXT_FIELDS = ['protocol', 'transport', 'version', 'country', 'city', 'latitude', 'longitude', 'subnet', 'maxCost', 'requester', 'purpose'] as const;

export interface Tailored {
  /** Null when nothing fits: said, never a wrong one handed out. */
  readonly instance: DeploymentInstance | null;
  readonly selectedBy: readonly string[];
}

/** The instance chosen for a requester, why, and the token for the call (none when nothing fits). */
export interface TailoredEndpoint extends Tailored {
  readonly token?: string;
  /** Seconds since the epoch. */
  readonly tokenExpiresAt?: number;
}

/**
 * The whole of tailoring for an agent that resolved: its required context, its instances (the
 * deployment record, else the facts' endpoints), the choice, and the endpoint token, signed by
 * `sign` (the registry's key) and unique by `jti` (randomness comes from the caller).
 */
export function tailorFor(agent: ActiveAgent, context: TailoringContext, sign: (claims: Omit<EndpointTokenClaims, 'iss'>) => string, nowMs: number, jti: string): Result<TailoredEndpoint> {
  const required = checkRequiredContext(agent.facts.payload.requiredContext as readonly string[] | undefined, context);
  if (!required.ok) return required;
  const { instance, selectedBy } = tailor(agent.deployment?.payload.instances ?? instancesOfEndpoints(factsEndpoints(agent.facts.payload)), context);
  if (instance === null) return ok({ instance, selectedBy });
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + MAX_ENDPOINT_TOKEN_SECONDS;
  const claims = { sub: context.requester ?? 'anonymous', aud: agent.name, agentId: agent.agentId, endpoint: instance.url, instance: instance.id, purpose: context.purpose ?? 'invoke', iat, exp, jti };
  return ok({ instance, selectedBy, token: sign(claims), tokenExpiresAt: exp });
}

/** The context the agent's facts require (`requiredContext`) and the request lacks: REQUIRED_CONTEXT_MISSING. */
export function checkRequiredContext(required: readonly string[] | undefined, context: TailoringContext): Result<true> {
  const given = new Set(Object.entries(context).flatMap(([key, value]) => (value === undefined ? [] : [key])));
  // Asking for a location means latitude and longitude together.
  if (given.has('latitude') && given.has('longitude')) given.add('location');
  const missing = (required ?? []).filter((field) => !given.has(field));
  return missing.length === 0 ? ok(true) : fail('REQUIRED_CONTEXT_MISSING', `the agent requires the requester to state ${missing.join(', ')}; send them in the context of POST /v1/resolve`);
}

/** The facts' endpoints as instances, for an agent without a deployment record. */
export function instancesOfEndpoints(endpoints: readonly AgentEndpoint[]): DeploymentInstance[] {
  return endpoints.map((endpoint, i) => ({
    id: `endpoint-${i + 1}`,
    url: endpoint.url,
    protocol: endpoint.protocol,
    ...(endpoint.transport === undefined ? {} : { transport: endpoint.transport }),
    ...(endpoint.version === undefined || !/^\d+(\.\d+){0,2}$/.test(endpoint.version) ? {} : { version: endpoint.version }),
    ...(endpoint.region === undefined ? {} : { region: endpoint.region }),
    ...(endpoint.cost === undefined ? {} : { cost: endpoint.cost }),
    ...(endpoint.capacity === undefined ? {} : { capacity: endpoint.capacity }),
  }));
}

export function tailor(instances: readonly DeploymentInstance[], context: TailoringContext): Tailored {
  const selectedBy: string[] = [];
  let candidates = [...instances];
  const keep = (why: string, test: (instance: DeploymentInstance) => boolean) => {
    const before = candidates.length;
    candidates = candidates.filter(test);
    selectedBy.push(`${why}: ${candidates.length} of ${before}`);
  };
  keep('healthy', (instance) => instance.healthy !== false);
  keep('below capacity', (instance) => instance.capacity === undefined || instance.load === undefined || instance.load < instance.capacity);
  if (context.protocol !== undefined) keep(`protocol ${context.protocol}`, (instance) => instance.protocol.toLowerCase() === context.protocol!.toLowerCase());
  if (context.transport !== undefined) keep(`transport ${context.transport}`, (instance) => instance.transport?.toLowerCase() === context.transport!.toLowerCase());
  if (context.version !== undefined) keep(`version ${context.version}`, (instance) => instance.version !== undefined && versionSatisfies(instance.version, context.version!));
  if (context.maxCost !== undefined) keep(`cost at most ${context.maxCost}`, (instance) => (instance.cost ?? 0) <= context.maxCost!);
  if (candidates.length === 0) return { instance: null, selectedBy };

  const scored = candidates.map((instance) => ({ instance, distance: distanceKm(instance, context), cost: instance.cost ?? 0, load: loadRatio(instance) }));
  scored.sort((a, b) => a.distance * (1 + a.load) - b.distance * (1 + b.load) || a.cost - b.cost || (a.instance.id < b.instance.id ? -1 : a.instance.id > b.instance.id ? 1 : 0));
  const best = scored[0]!;
  const where = Number.isFinite(best.distance) ? `${Math.round(best.distance).toLocaleString('en-US')} km` : 'distance unknown';
  const runnerUp = scored[1];
  selectedBy.push(
    `nearest, load-aware: ${best.instance.id} (${where}, load ${Math.round(best.load * 100)}%)` +
      (runnerUp === undefined ? '' : `; next ${runnerUp.instance.id} (${Number.isFinite(runnerUp.distance) ? `${Math.round(runnerUp.distance).toLocaleString('en-US')} km` : 'distance unknown'}, load ${Math.round(runnerUp.load * 100)}%)`),
  );
  return { instance: best.instance, selectedBy };
}

/** Great-circle distance when both sides give coordinates; same country counts as near; otherwise unknown (farthest). */
function distanceKm(instance: DeploymentInstance, context: TailoringContext): number {
  if (instance.latitude !== undefined && instance.longitude !== undefined && context.latitude !== undefined && context.longitude !== undefined) {
    return haversineKm(context.latitude, context.longitude, instance.latitude, instance.longitude);
  }
  if (context.country !== undefined && instance.country === context.country.toUpperCase()) return context.city !== undefined && instance.city?.toLowerCase() === context.city.toLowerCase() ? 0 : 500;
  return Number.POSITIVE_INFINITY;
}

function loadRatio(instance: DeploymentInstance): number {
  return instance.capacity !== undefined && instance.capacity > 0 && instance.load !== undefined ? Math.min(1, instance.load / instance.capacity) : 0;
}

const EARTH_RADIUS_KM = 6371;

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = (degrees: number) => (degrees * Math.PI) / 180;
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** `2` and `2.1` match by prefix; `>=2.1 <3` is a conjunction of comparators over dotted numbers. */
export function versionSatisfies(version: string, range: string): boolean {
  const comparators = range.trim().split(/\s+/);
  if (comparators.length === 1 && /^\d+(\.\d+){0,2}$/.test(comparators[0]!)) {
    const prefix = comparators[0]!.split('.');
    return prefix.every((part, i) => version.split('.')[i] === part);
  }
  return comparators.every((comparator) => {
    const match = /^(>=|<=|>|<|=)(\d+(?:\.\d+){0,2})$/.exec(comparator);
    if (match === null) return false;
    const order = compareVersions(version, match[2]!);
    return { '>=': order >= 0, '<=': order <= 0, '>': order > 0, '<': order < 0, '=': order === 0 }[match[1] as '>=' | '<=' | '>' | '<' | '='];
  });
}

function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}
