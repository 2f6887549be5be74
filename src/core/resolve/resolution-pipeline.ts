/**
 * Resolution as one pipeline that every face of a registry calls (HTTP and DNS; the recursive
 * resolver asks registries through it over HTTP): a driver and an ordered list of small named stages. The split is Knot Resolver's:
 * the driver decides *when* (in order, stopping at the first refusal, recording which stages ran),
 * each stage decides *how* one step is done. The core never opens a socket: a stage that needs
 * the store reaches it through the `lookUp` and `claimOf` ports.
 *
 * A resolution has two halves, so that a face can put its own cache between them:
 *   prepare  parse the name (once per request) and settle the requester context: pure, and what
 *            an answer depends on, so `key` names every request that gets the same answer;
 *   resolve  the stages that read state: refer a delegated name elsewhere, look the name up, decide
 *            its validity (AGENT_EXPIRED and the other refusals are decided here, not in a face)
 *            and its ownership, choose the endpoint.
 * A policy stage (who may see the agent) is the seam a later issue fills.
 */
import { fail, ok, type Result } from '../errors.js';
import { parseAgentName, type NameHints } from '../name/index.js';
import type { AgentEndpoint } from '../record/types.js';
import { activeAgentOf, type Registry } from '../registry/registry.js';
import type { Clock } from '../ports.js';
import type { ActiveAgent, StoredAgent } from '../registry/stored-agent.js';
import { namespaceAndPath, ownershipOf, type NamespaceMode, type Ownership } from '../registry/namespace-claims.js';
import { delegationFor, type NamespaceDelegation } from '../record/namespace-claim.js';
import type { StoredNamespaceClaim } from '../ports.js';
import { chooseEndpoint, type RequesterContext } from './choose-endpoint.js';

/** What a face was asked: a name in any accepted form, and the context the requester gave. */
export interface ResolutionRequest {
  readonly name: string;
  readonly context?: RequesterContext;
}

/** A request after `prepare`: the canonical name, and the context that shapes the answer. */
export interface PreparedResolution {
  readonly canonical: string;
  readonly context: RequesterContext;
  /** The same for every request that gets the same answer: what a face may cache an answer under. */
  readonly key: string;
}

/**
 * What resolution found: the agent's active record and the endpoint chosen for the requester, or
 * a referral to the registry its namespace's owner delegated the name's subtree to.
 */
export type Resolution = Answer | Referral;

export interface Answer extends PreparedResolution {
  readonly kind: 'answer';
  readonly agent: ActiveAgent;
  /** Null when no endpoint fits the context: said, never a wrong one handed out. */
  readonly endpoint: AgentEndpoint | null;
  /** Whether the namespace's proven owner granted the agent's key the name, or nobody claimed the namespace. */
  readonly ownership: Ownership;
  /** The stages that ran, in order: how the answer came about. */
  readonly trace: readonly string[];
}

/** How long a referral may be cached (a resolver re-asks after it; a claim that changes it drops it from the registry's own cache at once). */
export const REFERRAL_TTL_SECONDS = 300;

/** The name lies in a subtree another registry serves: ask it (its URL and key are in the owner's signed claim). */
export interface Referral extends PreparedResolution {
  readonly kind: 'referral';
  readonly delegation: NamespaceDelegation;
  /** The namespace's stored claim, countersigned by this registry: the signed proof of the delegation. */
  readonly claim: StoredNamespaceClaim;
  readonly trace: readonly string[];
}

/** What the stages read and write as the resolution proceeds. */
export interface ResolutionState extends PreparedResolution {
  readonly nowMs: number;
  /** The claim of the name's namespace (read once, by the referral stage). */
  readonly claim?: StoredNamespaceClaim;
  /** Set by the referral stage: the driver stops and refers the requester. */
  readonly referral?: NamespaceDelegation;
  readonly stored?: StoredAgent;
  readonly agent?: ActiveAgent;
  readonly ownership?: Ownership;
  readonly endpoint?: AgentEndpoint | null;
}

/** The ports the stages reach the world through. */
export interface ResolutionPorts {
  /** The stored state of a canonical name, any state, or undefined. */
  readonly lookUp: (canonical: string) => Promise<StoredAgent | undefined>;
  /** The stored claim of a namespace, or undefined. */
  readonly claimOf: (namespace: string) => Promise<StoredNamespaceClaim | undefined>;
  /** Whether names under unclaimed namespaces answer. */
  readonly namespaceMode: NamespaceMode;
  readonly now: () => number;
}

/** One step: it returns the state it leaves, or the problems that refuse the request. */
export interface ResolutionStage {
  readonly name: string;
  run(state: ResolutionState, ports: ResolutionPorts): Promise<Result<ResolutionState>> | Result<ResolutionState>;
}

/** Read the namespace's claim; a name in a subtree its owner delegated elsewhere is referred there, like a DNS zone cut. */
export const referralStage: ResolutionStage = {
  name: 'referral',
  async run(state, ports) {
    const { namespace, path } = namespaceAndPath(state.canonical);
    const claim = await ports.claimOf(namespace);
    const referral = claim === undefined ? undefined : delegationFor(claim.claim.payload, path);
    return ok({ ...state, ...(claim === undefined ? {} : { claim }), ...(referral === undefined ? {} : { referral }) });
  },
};

/** Look the canonical name up in the store (through the port). */
export const lookUpStage: ResolutionStage = {
  name: 'look-up',
  async run(state, ports) {
    const stored = await ports.lookUp(state.canonical);
    return stored === undefined ? fail('AGENT_NOT_FOUND', `${state.canonical} is not registered`) : ok({ ...state, stored });
  },
};

/** Only an active record valid now answers: expired, revoked, suspended and deregistered names are refused here. */
export const validityStage: ResolutionStage = {
  name: 'validity',
  run(state) {
    const active = activeAgentOf(state.canonical, state.stored, state.nowMs);
    return active.ok ? ok({ ...state, agent: active.value }) : active;
  },
};

/** A name under a claimed namespace answers only while its owner grants the agent's key; the answer says which. */
export const ownershipStage: ResolutionStage = {
  name: 'ownership',
  run(state, ports) {
    const ownership = ownershipOf(state.canonical, state.agent!.agentId, state.claim, ports.namespaceMode);
    return ownership.ok ? ok({ ...state, ownership: ownership.value }) : ownership;
  },
};

/** The endpoint that fits the requester's context, among those the agent signed. */
export const chooseEndpointStage: ResolutionStage = {
  name: 'choose-endpoint',
  run(state) {
    return ok({ ...state, endpoint: chooseEndpoint(state.agent!.facts.payload, state.context) });
  },
};

/** The stages of `resolve`, in order. */
export const RESOLUTION_STAGES: readonly ResolutionStage[] = [referralStage, lookUpStage, validityStage, ownershipStage, chooseEndpointStage];

export class ResolutionPipeline {
  constructor(
    private readonly ports: ResolutionPorts,
    private readonly stages: readonly ResolutionStage[] = RESOLUTION_STAGES,
  ) {}

  /** Parse the name and settle the context: pure, the same for every spelling of the same request. */
  prepare(request: ResolutionRequest): Result<PreparedResolution> {
    const parsed = parseAgentName(request.name);
    if (!parsed.ok) return parsed;
    const context = requesterContext(parsed.value.hints, request.context ?? {});
    return ok({ canonical: parsed.value.canonical, context, key: JSON.stringify([parsed.value.canonical, context]) });
  }

  /** Run the stages on a prepared request, in order; the first refusal ends it. */
  async resolve(prepared: PreparedResolution): Promise<Result<Resolution>> {
    let state: ResolutionState = { ...prepared, nowMs: this.ports.now() };
    const trace: string[] = [];
    for (const stage of this.stages) {
      trace.push(stage.name);
      const next = await stage.run(state, this.ports);
      if (!next.ok) return { ok: false, problems: next.problems };
      state = next.value;
      if (state.referral !== undefined) {
        return ok({ kind: 'referral', canonical: state.canonical, context: state.context, key: state.key, delegation: state.referral, claim: state.claim!, trace });
      }
    }
    if (state.agent === undefined || state.endpoint === undefined || state.ownership === undefined) {
      throw new Error(`the stages ${trace.join(', ')} ended without an agent, its ownership and an endpoint choice`);
    }
    return ok({ kind: 'answer', canonical: state.canonical, context: state.context, key: state.key, agent: state.agent, endpoint: state.endpoint, ownership: state.ownership, trace });
  }
}

/**
 * Hints carried by an ANS-style name (a2a://…v2.prod) apply unless the request says otherwise.
 * The fixed key order and the lowercase protocol and transport (endpoints match them regardless
 * of case) make equal contexts serialise alike, in a cache key and in an answer.
 */
function requesterContext(hints: NameHints, asked: RequesterContext): RequesterContext {
  const context = {
    protocol: (asked.protocol ?? hints.protocol)?.toLowerCase(),
    transport: asked.transport?.toLowerCase(),
    version: asked.version ?? hints.version,
    region: asked.region,
    maxCost: asked.maxCost,
  };
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined)) as RequesterContext;
}

/** The pipeline over a registry's store and clock: what the faces of one registry share. */
export function registryResolution(registry: Registry, clock: Clock): ResolutionPipeline {
  return new ResolutionPipeline({
    lookUp: (canonical) => registry.storedState(canonical),
    claimOf: (namespace) => registry.namespaceClaim(namespace),
    namespaceMode: registry.namespaceMode,
    now: () => clock.now(),
  });
}
