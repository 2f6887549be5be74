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
import { formatAgentName, fromDnsOwnerName, toDnsOwnerName } from '../../core/name/agent-name.js';
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

/** The `_agents.<namespace>` zone a name falls in, or undefined if none. */
export function zoneOf(name: string): string | undefined {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  const at = labels.indexOf(AGENTS_ZONE_LABEL);
  if (at < 0 || at === labels.length - 1) return undefined;
  return labels.slice(at).join('.');
}

export class ZoneView {
  constructor(private readonly options: ZoneViewOptions) {}

  async answer(question: { readonly name: string; readonly type: string }): Promise<ZoneAnswer> {
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const zone = zoneOf(name);
    if (zone === undefined) return { kind: 'refused' };
    // The SOA costs a read of the log's size: only the apex and a denial need it.
    const node = name === zone ? this.apex(zone, await this.soa(zone)) : await this.agentNode(name);
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
    const nodes: ZoneNode[] = [{ name: zone, rrsets: [...this.apex(zone, soa).values()] }];
    const namespace = zone.slice(AGENTS_ZONE_LABEL.length + 1);
    const owners: string[] = [];
    for await (const name of this.options.names?.(namespace) ?? []) {
      const parsed = parseAgentName(name);
      if (parsed.ok && parsed.value.name.namespace === namespace) owners.push(toDnsOwnerName(parsed.value.name));
    }
    for (const owner of [...new Set(owners)].sort(compareCanonically)) {
      const node = await this.agentNode(owner);
      if (node.size > 0) nodes.push({ name: owner, rrsets: [...node.values()] });
    }
    return { soa, nodes };
  }

  /** The RRsets of an agent's node, by type; none for a name that is no agent that resolves now. */
  private async agentNode(name: string): Promise<Map<string, Answer[]>> {
    const node = new Map<string, Answer[]>();
    const parsed = fromDnsOwnerName(name);
    if (!parsed.ok) return node;
    const prepared = this.options.resolution.prepare({ name: formatAgentName(parsed.value) });
    if (!prepared.ok) return node;
    const resolved = await this.options.resolution.resolve(prepared.value);
    // Unknown, revoked, suspended, deregistered or expired: nothing in DNS either. A name its
    // namespace's owner delegated to another registry is not this server's to answer (no NS cut yet).
    if (!resolved.ok || resolved.value.kind === 'referral') return node;
    const owner = toDnsOwnerName(parsed.value);
    const { addr } = resolved.value.agent;
    const ttl = addr.payload.ttl;
    const services: Answer[] = [];
    const endpoints = [...factsEndpoints(resolved.value.agent.facts.payload)].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
    for (const endpoint of endpoints) {
      // SvcPriority 1, 2, … over the records published, in the endpoints' order.
      const rdata = svcbRdataOf(endpoint, services.length + 1, addr.payload.factsUrl, addr.payload.factsSha256);
      if (rdata) services.push({ type: SVCB_TYPE, name: owner, ttl, class: 'IN', data: rdata } as unknown as Answer);
    }
    if (services.length > 0) node.set(SVCB_TYPE, services);
    node.set('TXT', [{ type: 'TXT', name: owner, ttl, class: 'IN', data: chunks(encodeAgentAddr(addr)) }]);
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

/** The ALPN ids an agent protocol is offered over: the protocol's own id, then HTTP/2 (DNS-AID). */
const ALPN_OF_PROTOCOL: Readonly<Record<string, readonly string[]>> = { a2a: ['a2a', 'h2'], mcp: ['mcp', 'h2'], https: ['h2', 'http/1.1'] };
/** Where a protocol's descriptor lives under /.well-known (DNS-AID `well-known`). */
const WELL_KNOWN_OF_PROTOCOL: Readonly<Record<string, string>> = { a2a: 'agent-card.json' };

/**
 * The SVCB RDATA of one signed endpoint. None for an endpoint DNS cannot name: not an http(s) URL,
 * an IP-literal host (a TargetName is a domain name), or a host that is not a valid DNS name.
 */
function svcbRdataOf(endpoint: AgentEndpoint, priority: number, factsUrl: string, factsSha256: string): Buffer | undefined {
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    return undefined;
  }
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
