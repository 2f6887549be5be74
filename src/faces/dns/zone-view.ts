/**
 * The registry seen as DNS zones: one zone per namespace, at `_agents.<namespace>` (the namespace's
 * owner delegates it to the registry), whose names are the agents' DNS owner names
 * (`invoices.billing._agents.acme.com` for `agent://acme.com/billing/invoices`, ARCHITECTURE 2).
 * Every answer is built from the core resolution pipeline at the time of the query, so DNS can
 * never drift from what the HTTP face answers: a revoked agent is gone from both at once.
 *
 * An agent's node holds one SVCB RRset (one record per endpoint it signed, DNS-AID style: target
 * host, port, alpn, and the private-use keys `bap`, `cap`, `cap-sha256`, `well-known`) and one TXT
 * carrying its countersigned AgentAddr in the compact encoding (spec 15.5), so a resolver that only
 * speaks DNS still gets the signed record. The zone's serial is the event log's size: every accepted
 * write moves it.
 */
import { isIP } from 'node:net';
import type { Answer } from 'dns-packet';
import { formatAgentName, fromDnsOwnerName, toDnsOwnerName, type AgentName } from '../../core/name/agent-name.js';
import { parseAgentName } from '../../core/name/index.js';
import { encodeAgentAddr } from '../../core/record/compact-codec.js';
import { factsEndpoints } from '../../core/record/agent-facts.js';
import type { AgentEndpoint } from '../../core/record/types.js';
import type { ResolutionPipeline } from '../../core/resolve/resolution-pipeline.js';
import { toBase64Url } from '../../core/trust/encoding.js';
import { svcb, type SvcParam } from './svcb.js';

export const AGENTS_ZONE_LABEL = '_agents';

export interface ZoneViewOptions {
  readonly resolution: ResolutionPipeline;
  /** The log's size now: the zones' serial. */
  readonly serial: () => Promise<number>;
  /** The name of this server: the zones' NS and the SOA's MNAME. */
  readonly serverName: string;
  /** The SOA's RNAME (hostmaster mailbox as a name). */
  readonly hostmaster?: string;
  /** The zone's DNSKEY records, when the zones are signed. */
  readonly dnskeys?: (zone: string) => readonly Answer[];
  /** The canonical names of the agents under a namespace (for zone transfers); without it a zone lists its apex only. */
  readonly names?: (namespace: string) => AsyncIterable<string>;
  /**
   * Namespaces whose whole zone this server holds (`serve --dns-flat-zone`), not just their
   * `_agents` subtree: there an agent answers at its flat DNS-AID owner name too
   * (`invoices.billing.acme.com`), and the `_agents` names are part of that one zone.
   */
  readonly flatNamespaces?: readonly string[];
  /** The registry's public https URL: DNS-AID's organization index `_index._agents.<namespace>` points at it. */
  readonly registryUrl?: string;
}

/** A name of a zone and its RRsets, as a zone transfer lists them. */
export interface ZoneNode {
  readonly name: string;
  readonly rrsets: readonly (readonly Answer[])[];
}

/**
 * What the zone view says about a question, before any packet is made. There is no NXDOMAIN: a name
 * of the zone that holds nothing is NODATA, like a name that holds other types ("black lies",
 * RFC 4470 minimal answers). So a name above an agent (`billing._agents.acme.com`) never denies the
 * agent below it (RFC 8020), the signed denial is one NSEC at the name asked, and no answer lets
 * anyone walk the zone to list its agents.
 */
export type ZoneAnswer =
  | { readonly kind: 'refused' }
  | { readonly kind: 'nodata'; readonly zone: string; readonly name: string; readonly soa: Answer; readonly types: readonly string[] }
  | { readonly kind: 'answer'; readonly zone: string; readonly name: string; readonly records: readonly Answer[]; readonly types: readonly string[] };

/** TTLs of the zone's own records; an agent's records live as long as its AgentAddr says (`ttl`). */
const ZONE_TTL = 3600;
/** The SOA MINIMUM: how long a resolver may cache "no such agent" (RFC 2308). Short: names get registered. */
const NEGATIVE_TTL = 60;

export const SVCB_TYPE = 'UNKNOWN_64';
const TXT_CHUNK = 255;

/** The agent protocols DNS-AID gives a DNS-SD label (`_<agent>._<protocol>._agents.<namespace>`, the names scanners probe). */
const DNS_SD_PROTOCOLS = ['a2a', 'mcp'] as const;
/** `_<agent>._<protocol>._agents.<namespace>`: the agent's label, the protocol, the namespace. */
const DNS_SD_OWNER = /^_([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\._(a2a|mcp)\._agents\.(.+)$/;
/** `_<port>._tcp.<host>`: where DANE looks for the TLSA of a TLS endpoint (RFC 6698 3). */
const TLSA_OWNER = /^_(\d{1,5})\._tcp\.(.+)$/;
const INDEX_LABEL = '_index';
/** The longest domain name in presentation form without the root dot (255 octets on the wire, RFC 1035 2.3.4). */
const MAX_NAME_LENGTH = 253;

/** The `_agents.<namespace>` zone a name falls in, or undefined if none. */
export function zoneOf(name: string): string | undefined {
  const labels = normalized(name).split('.');
  const at = labels.indexOf(AGENTS_ZONE_LABEL);
  if (at < 0 || at === labels.length - 1) return undefined;
  return labels.slice(at).join('.');
}

function normalized(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The nodes of one agent: owner name to RRsets by type. */
type Nodes = Map<string, Map<string, Answer[]>>;

export class ZoneView {
  readonly #flat: ReadonlySet<string>;

  constructor(private readonly options: ZoneViewOptions) {
    this.#flat = new Set((options.flatNamespaces ?? []).map(normalized));
  }

  /**
   * The zone this server answers `name` from: `<namespace>` for a name at or below a namespace whose
   * whole zone it holds (the deepest such namespace), else `_agents.<namespace>`; undefined outside
   * its zones.
   */
  zoneOf(name: string): string | undefined {
    const agentsZone = zoneOf(name);
    if (agentsZone !== undefined) {
      const namespace = agentsZone.slice(AGENTS_ZONE_LABEL.length + 1);
      return this.#flat.has(namespace) ? namespace : agentsZone;
    }
    const labels = normalized(name).split('.');
    for (let at = 0; at < labels.length; at++) {
      const candidate = labels.slice(at).join('.');
      if (this.#flat.has(candidate)) return candidate;
    }
    return undefined;
  }

  /** The zone that holds a namespace's agents: the namespace itself when flat, else `_agents.<namespace>`. */
  zoneOfNamespace(namespace: string): string {
    const name = normalized(namespace);
    return this.#flat.has(name) ? name : `${AGENTS_ZONE_LABEL}.${name}`;
  }

  async answer(question: { readonly name: string; readonly type: string }): Promise<ZoneAnswer> {
    const name = normalized(question.name);
    const zone = this.zoneOf(name);
    if (zone === undefined) return { kind: 'refused' };
    // The SOA costs a read of the log's size: only the apex and a denial need it.
    const node = name === zone ? this.apex(zone, await this.soa(zone)) : await this.nodeAt(name, namespaceOfZone(zone));
    const types = [...node.keys()];
    const type = question.type === 'SVCB' ? SVCB_TYPE : question.type;
    const records = type === 'ANY' ? [...node.values()].flat() : node.get(type);
    if (records && records.length > 0) return { kind: 'answer', zone, name, records, types };
    return { kind: 'nodata', zone, name, soa: node.get('SOA')?.[0] ?? (await this.soa(zone)), types };
  }

  /**
   * Every node of the zone that holds records, apex first, then in canonical order (RFC 4034 6.1),
   * each built exactly as a query would find it now; the SOA to open and close a transfer with.
   */
  async contents(zone: string): Promise<{ readonly soa: Answer; readonly nodes: readonly ZoneNode[] }> {
    const soa = await this.soa(zone);
    const namespace = namespaceOfZone(zone);
    const all: Nodes = new Map();
    const index = this.indexNode(namespace);
    if (index.size > 0) all.set(indexOwner(namespace), index);
    const seen = new Set<string>();
    for await (const name of this.options.names?.(namespace) ?? []) {
      const parsed = parseAgentName(name);
      const canonical = parsed.ok ? formatAgentName(parsed.value.name) : '';
      if (!parsed.ok || parsed.value.name.namespace !== namespace || seen.has(canonical)) continue;
      seen.add(canonical);
      for (const [owner, node] of await this.agentNodes(parsed.value.name)) all.set(owner, node);
    }
    const owners = [...all.keys()].sort(compareCanonically);
    return { soa, nodes: [{ name: zone, rrsets: [...this.apex(zone, soa).values()] }, ...owners.map((owner) => ({ name: owner, rrsets: [...all.get(owner)!.values()] }))] };
  }

  /** The RRsets at a name below a zone's apex, by type; none where nothing resolves now. */
  private async nodeAt(name: string, namespace: string): Promise<Map<string, Answer[]>> {
    if (name === indexOwner(namespace)) return this.indexNode(namespace);
    const dnsSd = DNS_SD_OWNER.exec(name);
    if (dnsSd !== null && dnsSd[3] === namespace) {
      return (await this.agentNodes({ namespace, path: [dnsSd[1]!] })).get(name) ?? new Map();
    }
    const tlsa = TLSA_OWNER.exec(name);
    const host = tlsa === null ? name : tlsa[2]!;
    const agent = this.agentAt(host, namespace);
    if (agent === undefined) return new Map();
    return (await this.agentNodes(agent)).get(name) ?? new Map();
  }

  /**
   * The agent whose owner name `name` is: `<path reversed>._agents.<namespace>`, or, in a zone of a
   * whole namespace, the flat `<path reversed>.<namespace>`.
   */
  private agentAt(name: string, namespace: string): AgentName | undefined {
    if (zoneOf(name) !== undefined) {
      const parsed = fromDnsOwnerName(name);
      return parsed.ok && parsed.value.namespace === namespace ? parsed.value : undefined;
    }
    if (!this.#flat.has(namespace) || name === namespace || !name.endsWith(`.${namespace}`)) return undefined;
    const path = name.slice(0, -(namespace.length + 1)).split('.').reverse();
    const parsed = parseAgentName(formatAgentName({ namespace, path }));
    return parsed.ok ? parsed.value.name : undefined;
  }

  /**
   * Every node an agent that resolves now holds, built from one resolution: at its owner name
   * (`_agents`) and, in a flat zone, its flat name, one SVCB per signed endpoint and the TXT with
   * its signed AgentAddr; a TLSA at `_<port>._tcp.<owner>` for each endpoint served at that owner
   * name that signed its key's digest; and for a one-label agent, DNS-AID's DNS-SD label per
   * protocol it speaks, an AliasMode SVCB to its primary owner name. An unknown, revoked,
   * suspended, deregistered or expired agent holds nothing, and neither does a name its
   * namespace's owner delegated to another registry (no NS cut yet).
   */
  private async agentNodes(agent: AgentName): Promise<Nodes> {
    const nodes: Nodes = new Map();
    const prepared = this.options.resolution.prepare({ name: formatAgentName(agent) });
    if (!prepared.ok) return nodes;
    const resolved = await this.options.resolution.resolve(prepared.value);
    if (!resolved.ok || resolved.value.kind === 'referral') return nodes;
    const { addr } = resolved.value.agent;
    const ttl = addr.payload.ttl;
    const endpoints = [...factsEndpoints(resolved.value.agent.facts.payload)].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
    const aliasOwner = toDnsOwnerName(agent);
    const flatOwner = this.#flat.has(agent.namespace) ? [...[...agent.path].reverse(), agent.namespace].join('.') : undefined;
    // Encoded once: the flat name and the _agents name hold the same RDATA.
    const bindings = serviceBindingsOf(endpoints, addr.payload.factsUrl, addr.payload.factsSha256);
    const signedAddr = chunks(encodeAgentAddr(addr));
    for (const owner of flatOwner === undefined ? [aliasOwner] : [flatOwner, aliasOwner]) {
      const node = new Map<string, Answer[]>();
      if (bindings.length > 0) node.set(SVCB_TYPE, bindings.map(({ rdata }) => ({ type: SVCB_TYPE, name: owner, ttl, class: 'IN', data: rdata }) as unknown as Answer));
      node.set('TXT', [{ type: 'TXT', name: owner, ttl, class: 'IN', data: signedAddr }]);
      nodes.set(owner, node);
      for (const [tlsaOwner, records] of tlsaRecordsOf(endpoints, owner, ttl)) {
        // An agent name may fill its own owner name to the limit: a longer name would spoil every transfer of the zone.
        if (tlsaOwner.length <= MAX_NAME_LENGTH) nodes.set(tlsaOwner, new Map([['TLSA', records]]));
      }
    }
    if (agent.path.length === 1) {
      const primary = flatOwner ?? aliasOwner;
      const spoken = new Set(bindings.map(({ protocol }) => protocol));
      for (const protocol of DNS_SD_PROTOCOLS.filter((candidate) => spoken.has(candidate))) {
        const owner = `_${agent.path[0]}._${protocol}.${AGENTS_ZONE_LABEL}.${agent.namespace}`;
        if (owner.length > MAX_NAME_LENGTH) continue;
        const alias = { type: SVCB_TYPE, name: owner, ttl, class: 'IN', data: Buffer.from(svcb.encode({ priority: 0, target: primary, params: [] })) } as unknown as Answer;
        nodes.set(owner, new Map([[SVCB_TYPE, [alias]]]));
      }
    }
    return nodes;
  }

  /**
   * DNS-AID's organization index, `_index._agents.<namespace>`: one ServiceMode SVCB at the
   * registry's https face, whose search lists the namespace's agents (`cap`); nothing when the
   * registry has no public https URL.
   */
  private indexNode(namespace: string): Map<string, Answer[]> {
    const node = new Map<string, Answer[]>();
    const url = this.options.registryUrl === undefined ? undefined : new URL(this.options.registryUrl);
    if (url === undefined || url.protocol !== 'https:' || isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) return node;
    const search = new URL(`${url.pathname.replace(/\/$/, '')}/v1/search`, url);
    search.searchParams.set('namespace', namespace);
    const data = svcb.encode({
      priority: 1,
      target: url.hostname,
      params: [
        { key: 'alpn', protocols: ['h2', 'http/1.1'] },
        { key: 'port', port: url.port === '' ? 443 : Number(url.port) },
        { key: 'cap', value: search.href },
      ],
    });
    node.set(SVCB_TYPE, [{ type: SVCB_TYPE, name: indexOwner(namespace), ttl: ZONE_TTL, class: 'IN', data: Buffer.from(data) } as unknown as Answer]);
    return node;
  }

  private apex(zone: string, soa: Answer): Map<string, Answer[]> {
    const node = new Map<string, Answer[]>([
      ['SOA', [soa]],
      ['NS', [{ type: 'NS', name: zone, ttl: ZONE_TTL, class: 'IN', data: this.options.serverName }]],
    ]);
    const dnskeys = this.options.dnskeys?.(zone) ?? [];
    if (dnskeys.length > 0) node.set('DNSKEY', [...dnskeys]);
    return node;
  }

  private async soa(zone: string): Promise<Answer> {
    const serial = (await this.options.serial()) % 2 ** 32;
    return {
      type: 'SOA',
      name: zone,
      ttl: ZONE_TTL,
      class: 'IN',
      data: {
        mname: this.options.serverName,
        rname: this.options.hostmaster ?? `hostmaster.${this.options.serverName}`,
        serial,
        refresh: 3600,
        retry: 600,
        expire: 604_800,
        minimum: NEGATIVE_TTL,
      },
    };
  }
}

/** The namespace of a zone: `_agents.<namespace>` or, for a zone of a whole namespace, the zone's own name. */
function namespaceOfZone(zone: string): string {
  return zone.startsWith(`${AGENTS_ZONE_LABEL}.`) ? zone.slice(AGENTS_ZONE_LABEL.length + 1) : zone;
}

function indexOwner(namespace: string): string {
  return `${INDEX_LABEL}.${AGENTS_ZONE_LABEL}.${namespace}`;
}

/** RFC 4034 6.1: names ordered by their labels from the right, each compared as lowercase bytes. */
export function compareCanonically(a: string, b: string): number {
  const left = a.toLowerCase().split('.').reverse();
  const right = b.toLowerCase().split('.').reverse();
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const order = Buffer.compare(Buffer.from(left[i]!), Buffer.from(right[i]!));
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

/**
 * The SVCB RDATA of each endpoint DNS can name, with its protocol: SvcPriority 1, 2, … over those,
 * in the endpoints' order.
 */
function serviceBindingsOf(endpoints: readonly AgentEndpoint[], factsUrl: string, factsSha256: string): { readonly protocol: string; readonly rdata: Buffer }[] {
  const bindings: { protocol: string; rdata: Buffer }[] = [];
  for (const endpoint of endpoints) {
    const rdata = svcbRdataOf(endpoint, bindings.length + 1, factsUrl, factsSha256);
    if (rdata) bindings.push({ protocol: endpoint.protocol.toLowerCase(), rdata });
  }
  return bindings;
}

/**
 * TLSA `3 1 1` (DANE-EE, the SubjectPublicKeyInfo, SHA-256: RFC 7671 5.1) at `_<port>._tcp.<owner>`
 * for each endpoint served at the owner name itself whose signed facts give its key's digest
 * (`tlsSpkiSha256`): DANE looks for it at the TLS host's name, and only names of this zone are ours
 * to answer.
 */
function tlsaRecordsOf(endpoints: readonly AgentEndpoint[], owner: string, ttl: number): Map<string, Answer[]> {
  const records = new Map<string, Answer[]>();
  for (const endpoint of endpoints) {
    const url = urlOf(endpoint);
    if (url === undefined || endpoint.tlsSpkiSha256 === undefined || url.protocol !== 'https:' || url.hostname.toLowerCase() !== owner) continue;
    const tlsaOwner = `_${url.port === '' ? 443 : Number(url.port)}._tcp.${owner}`;
    const certificate = Buffer.from(endpoint.tlsSpkiSha256, 'hex');
    const rrset = records.get(tlsaOwner) ?? [];
    if (!rrset.some((record) => (record as unknown as { data: { certificate: Buffer } }).data.certificate.equals(certificate))) {
      rrset.push({ type: 'TLSA', name: tlsaOwner, ttl, class: 'IN', data: { usage: 3, selector: 1, matchingType: 1, certificate } } as Answer);
    }
    records.set(tlsaOwner, rrset);
  }
  return records;
}

function urlOf(endpoint: AgentEndpoint): URL | undefined {
  try {
    return new URL(endpoint.url);
  } catch {
    return undefined;
  }
}

/** The ALPN ids an agent protocol is offered over: the protocol's own id, then HTTP/2 (DNS-AID). */
const ALPN_OF_PROTOCOL: Readonly<Record<string, readonly string[]>> = { a2a: ['a2a', 'h2'], mcp: ['mcp', 'h2'], https: ['h2', 'http/1.1'] };
/** Where a protocol's descriptor lives under /.well-known (DNS-AID `well-known`). */
const WELL_KNOWN_OF_PROTOCOL: Readonly<Record<string, string>> = { a2a: 'agent-card.json' };

/**
 * The SVCB RDATA of one signed endpoint. None for an endpoint DNS cannot name: not an http(s) URL,
 * an IP-literal host (a TargetName is a domain name), or a host that is not a valid DNS name.
 */
function svcbRdataOf(endpoint: AgentEndpoint, priority: number, factsUrl: string, factsSha256: string): Buffer | undefined {
  const url = urlOf(endpoint);
  if (url === undefined) return undefined;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) return undefined;
  const protocol = endpoint.protocol.toLowerCase();
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const params: SvcParam[] = [
    { key: 'alpn', protocols: [...(ALPN_OF_PROTOCOL[protocol] ?? ['h2'])] },
    { key: 'port', port },
    { key: 'cap', value: factsUrl },
    { key: 'cap-sha256', value: toBase64Url(Buffer.from(factsSha256, 'hex')) },
    { key: 'bap', value: protocol },
  ];
  const wellKnown = WELL_KNOWN_OF_PROTOCOL[protocol];
  if (wellKnown !== undefined) params.push({ key: 'well-known', value: wellKnown });
  try {
    return Buffer.from(svcb.encode({ priority, target: url.hostname, params }));
  } catch {
    return undefined;
  }
}

/** TXT character-strings hold at most 255 octets each: the bytes, in order, in as many as needed. */
function chunks(bytes: Uint8Array): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += TXT_CHUNK) parts.push(Buffer.from(bytes.subarray(at, at + TXT_CHUNK)));
  return parts;
}
