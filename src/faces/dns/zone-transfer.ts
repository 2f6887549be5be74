/**
 * Full zone transfers (AXFR, RFC 5936) of an agent zone, for standard secondaries (Knot, NSD,
 * BIND): the SOA, every RRset as a query would find it now, the SOA again, over TCP in messages of
 * at most 16 KiB. A signed zone is transferred signed: each RRset with its RRSIG, and an NSEC chain
 * over the zone's names in canonical order, so a secondary serves it as any signed zone and
 * `ldns-verify-zone` accepts it. (Answers from this server itself deny with black lies instead,
 * which reveal no names; a zone handed to secondaries is listed in full anyway.)
 *
 * Incremental transfers (IXFR, RFC 1995): a client as new as the zone gets its SOA alone; one
 * behind gets the changesets since its serial from the zone journal (zone-journal.ts), which every
 * transfer's rendering feeds; one the journal cannot serve gets the whole zone in AXFR form (RFC 1995
 * section 4).
 */
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import type { ZoneSigner } from './dnssec.js';
import { compareSerials, serialOf, type ZoneJournal } from './zone-journal.js';
import type { ZoneView } from './zone-view.js';

/** A zone transfer asked for: the whole zone, or the changes since the client's serial. */
export type TransferRequest = { readonly type: 'AXFR' } | { readonly type: 'IXFR'; readonly serial: number };

/** The most bytes of one transfer message; well under TCP's 65,535 so every secondary takes it. */
const MAX_MESSAGE_BYTES = 16_384;
/** Header and question of a transfer message, over-estimated. */
const MESSAGE_OVERHEAD = 12 + 260 + 4;

const codecs = dnsPacket as unknown as Record<'answer', { encode(value: unknown): Buffer }>;

/** The records of the transfer of `zone`, in order: SOA, the zone's RRsets (signed: with RRSIGs and NSECs), SOA. */
export async function transferRecords(view: ZoneView, zone: string, signer?: ZoneSigner): Promise<Answer[]> {
  const { soa, nodes } = await view.contents(zone);
  const negativeTtl = (soa as { data: { minimum: number } }).data.minimum;
  const records: Answer[] = [soa];
  nodes.forEach((node, position) => {
    for (const rrset of node.rrsets) {
      // The SOA opens and closes the transfer; its RRSIG belongs inside.
      if (rrset[0]?.type !== 'SOA') records.push(...rrset);
      if (signer) records.push(...signer.sign(rrset, zone));
    }
    if (signer) {
      const next = nodes[(position + 1) % nodes.length]!.name;
      const types = [...node.rrsets.map((rrset) => rrset[0]!.type), 'RRSIG', 'NSEC'];
      const nsec = { type: 'NSEC', name: node.name, ttl: negativeTtl, class: 'IN', data: { nextDomain: next, rrtypes: types } } as Answer;
      records.push(nsec, ...signer.sign([nsec], zone));
    }
  });
  records.push(soa);
  return records;
}

/**
 * The records answering a transfer of `zone`: for an IXFR from a client as new as the zone (or
 * newer, RFC 1995 section 2) the current SOA alone; else the zone rendered (kept in the journal when
 * there is one), and for an IXFR the journal's changes since the client's serial if it has them,
 * the whole zone if not.
 */
export async function transferAnswer(view: ZoneView, zone: string, signer: ZoneSigner | undefined, journal: ZoneJournal | undefined, request: TransferRequest): Promise<Answer[]> {
  const serialNow = async () => serialOf(await currentSoa(view, zone));
  if (request.type === 'IXFR') {
    const soa = await currentSoa(view, zone);
    const order = compareSerials(request.serial, serialOf(soa));
    if (order === 0 || order === 1) return [soa];
  }
  const render = () => transferRecords(view, zone, signer);
  const rendering = journal ? await journal.render(zone, render, serialNow) : await render();
  const changes = request.type === 'IXFR' ? journal?.changesSince(zone, request.serial) : undefined;
  // The changes end at the version just kept, which is this rendering (else they are not there).
  return changes !== undefined && serialOf(changes[0]!) === serialOf(rendering[0]!) ? changes : [...rendering];
}

async function currentSoa(view: ZoneView, zone: string): Promise<Answer> {
  const found = await view.answer({ name: zone, type: 'SOA' });
  if (found.kind !== 'answer') throw new Error(`no SOA for the zone ${zone}`);
  return found.records[0]!;
}

/** The transfer as DNS messages answering `query`: records in order, as many per message as fit. */
export function transferMessages(query: Packet, records: readonly Answer[]): Buffer[] {
  const messages: Buffer[] = [];
  let batch: Answer[] = [];
  let size = MESSAGE_OVERHEAD;
  const flush = () => {
    messages.push(dnsPacket.encode({ id: query.id ?? 0, type: 'response', flags: 1 << 10 /* AA */, questions: query.questions ?? [], answers: batch }));
    batch = [];
    size = MESSAGE_OVERHEAD;
  };
  for (const record of records) {
    const bytes = codecs.answer.encode(record).length;
    if (batch.length > 0 && size + bytes > MAX_MESSAGE_BYTES) flush();
    batch.push(record);
    size += bytes;
  }
  flush();
  return messages;
}
