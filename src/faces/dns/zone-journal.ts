/**
 * The journal of incremental zone transfers (IXFR, RFC 1995), per zone, in memory.
 *
 * The zones are not stored anywhere as DNS: every transfer renders them afresh from the registry
 * (`transferRecords`). So the journal learns the zone's versions from those renderings. It keeps
 * the latest one (its SOA and its records, keyed by their exact wire bytes); when a rendering
 * comes with a newer serial, the difference to the kept version (records deleted, records added)
 * becomes a changeset from the old serial to the new one, and the rendering the latest version.
 * Diffing bytes needs no knowledge of what the zone holds (one node per agent or several, signed
 * or not): a changed RRset is its old records deleted and its new ones added, with their RRSIGs and
 * the NSECs around a name that came or went; an unchanged RRset keeps its cached signatures
 * (dnssec.ts) and so its bytes, and is no part of any changeset.
 *
 * A client that holds serial S gets the changesets from S on, chained, if the journal has them
 * all; otherwise it gets the whole zone, as RFC 1995 section 4 allows. A changeset is only sound for
 * a client whose copy of S is exactly the kept version of S, so the journal keeps no rendering it
 * cannot vouch for:
 * - renderings of one zone are taken one at a time, so versions arrive in serial order;
 * - a rendering during which the serial moved (a write landed mid-way) mixes two versions: it is
 *   made again, and if that keeps happening the journal forgets the zone;
 * - a rendering of the same serial with other bytes (an agent expired, which no event marks, or
 *   signatures were made again) means two copies of one serial are out there: the changesets
 *   are dropped, and clients behind get the whole zone once.
 *
 * The registry's events tell which names changed and could spare the rendering; this is the simple
 * and robust first step (a transfer costs a rendering of the zone, as an AXFR did before).
 */
import dnsPacket, { type Answer } from 'dns-packet';

/**
 * The most records (deleted plus added) a zone's changesets hold together; past it the oldest are
 * dropped. A signed agent change is about a dozen records (its RRsets, their RRSIGs, the NSECs
 * around it), so this keeps thousands of changes, a few tens of MB at worst, while a secondary
 * further behind than that is better served by the whole zone anyway.
 */
export const MAX_JOURNAL_RECORDS = 50_000;
/** Renderings made before giving up on one during which the serial stayed put. */
const RENDER_ATTEMPTS = 3;

const codecs = dnsPacket as unknown as Record<'answer', { encode(value: unknown): Buffer }>;

/**
 * RFC 1982 serial arithmetic on 32-bit serials: -1 when `a` is before `b`, 1 after, 0 equal, and
 * undefined when they are exactly 2^31 apart (the RFC leaves that undefined).
 */
export function compareSerials(a: number, b: number): -1 | 0 | 1 | undefined {
  if (a === b) return 0;
  const ahead = (b - a + 2 ** 32) % 2 ** 32;
  if (ahead === 2 ** 31) return undefined;
  return ahead < 2 ** 31 ? -1 : 1;
}

export function serialOf(soa: Answer): number {
  return (soa as { data: { serial: number } }).data.serial;
}

interface Version {
  readonly soa: Answer;
  /** The zone's records but the SOA that opens and closes a transfer, by their wire bytes. */
  readonly records: ReadonlyMap<string, Answer>;
}

interface Changeset {
  readonly from: Answer;
  readonly to: Answer;
  readonly deleted: readonly Answer[];
  readonly added: readonly Answer[];
}

interface ZoneHistory {
  latest: Version;
  /**
   * The latest version's serial was rendered before with other bytes: clients may hold either copy,
   * so no changeset may start from it (they get the whole zone once, and the next serial is clean).
   */
  ambiguous: boolean;
  /** Oldest first; each one's `to` is the next one's `from`, the last one's is the latest version. */
  changesets: Changeset[];
  /** Records in all changesets, for the bound. */
  size: number;
}

export class ZoneJournal {
  readonly #zones = new Map<string, ZoneHistory>();
  /** The rendering under way per zone: the next one waits for it. */
  readonly #rendering = new Map<string, Promise<unknown>>();

  constructor(private readonly maxRecords = MAX_JOURNAL_RECORDS) {}

  /**
   * Render `zone` (with `render`: SOA, records, SOA, as transferRecords) once no other rendering of
   * it is under way, keep the rendering when `serialNow` says the serial stayed put meanwhile, and
   * return it: the full transfer, and the latest version of the journal when it could be kept.
   */
  async render(zone: string, render: () => Promise<readonly Answer[]>, serialNow: () => Promise<number>): Promise<readonly Answer[]> {
    const previous = this.#rendering.get(zone) ?? Promise.resolve();
    const rendering = previous.catch(() => undefined).then(() => this.#renderConsistently(zone, render, serialNow));
    this.#rendering.set(zone, rendering);
    try {
      return await rendering;
    } finally {
      if (this.#rendering.get(zone) === rendering) this.#rendering.delete(zone);
    }
  }

  async #renderConsistently(zone: string, render: () => Promise<readonly Answer[]>, serialNow: () => Promise<number>): Promise<readonly Answer[]> {
    for (let attempt = 1; ; attempt++) {
      const rendering = await render();
      if (serialOf(rendering[0]!) === (await serialNow()) % 2 ** 32) {
        this.keep(zone, rendering);
        return rendering;
      }
      if (attempt === RENDER_ATTEMPTS) {
        this.#zones.delete(zone);
        return rendering;
      }
    }
  }

  /** Keep a rendering of `zone` (SOA, records, SOA) as its latest version, the difference to the one before as a changeset. */
  keep(zone: string, rendering: readonly Answer[]): void {
    const version = versionOf(rendering);
    const history = this.#zones.get(zone);
    if (history === undefined) {
      this.#zones.set(zone, { latest: version, ambiguous: false, changesets: [], size: 0 });
      return;
    }
    const order = compareSerials(serialOf(history.latest.soa), serialOf(version.soa));
    if (order === 0 && sameRecords(history.latest, version)) return;
    if (order !== -1 || history.ambiguous) {
      // The same serial with other bytes, or a serial gone back (a data directory replaced): no
      // changeset can be trusted to start from what a client holds. Nor can one start from a
      // serial that had two copies.
      this.#zones.set(zone, { latest: version, ambiguous: order === 0, changesets: [], size: 0 });
      return;
    }
    const changeset = difference(history.latest, version);
    history.changesets.push(changeset);
    history.size += changeset.deleted.length + changeset.added.length;
    history.latest = version;
    while (history.size > this.maxRecords) {
      const dropped = history.changesets.shift()!;
      history.size -= dropped.deleted.length + dropped.added.length;
    }
  }

  /**
   * The records of an incremental transfer from `serial` to the latest version (RFC 1995 section 4):
   * the latest SOA, then per changeset its old SOA, the records deleted, its new SOA, the records
   * added, and the latest SOA again. Undefined when the journal has no chain of changesets from
   * `serial` (unknown, dropped, or already the latest).
   */
  changesSince(zone: string, serial: number): Answer[] | undefined {
    const history = this.#zones.get(zone);
    if (history === undefined) return undefined;
    const from = history.changesets.findLastIndex((changeset) => serialOf(changeset.from) === serial);
    if (from < 0) return undefined;
    const records: Answer[] = [history.latest.soa];
    for (const changeset of history.changesets.slice(from)) records.push(changeset.from, ...changeset.deleted, changeset.to, ...changeset.added);
    records.push(history.latest.soa);
    return records;
  }
}

function versionOf(rendering: readonly Answer[]): Version {
  const records = new Map<string, Answer>();
  for (const record of rendering.slice(1, -1)) records.set(codecs.answer.encode(record).toString('latin1'), record);
  return { soa: rendering[0]!, records };
}

function sameRecords(a: Version, b: Version): boolean {
  return a.records.size === b.records.size && [...a.records.keys()].every((key) => b.records.has(key));
}

function difference(old: Version, next: Version): Changeset {
  const deleted = [...old.records].filter(([key]) => !next.records.has(key)).map(([, record]) => record);
  const added = [...next.records].filter(([key]) => !old.records.has(key)).map(([, record]) => record);
  return { from: old.soa, to: next.soa, deleted, added };
}
