import type { Answer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { compareSerials, serialOf, ZoneJournal } from './zone-journal.js';

const ZONE = '_agents.acme.com';

const soa = (serial: number) =>
  ({ type: 'SOA', name: ZONE, ttl: 3600, class: 'IN', data: { mname: 'ns1', rname: 'hostmaster.ns1', serial, refresh: 3600, retry: 600, expire: 604800, minimum: 60 } }) as Answer;
const txt = (owner: string, text = owner) => ({ type: 'TXT', name: `${owner}.${ZONE}`, ttl: 300, class: 'IN', data: [Buffer.from(text)] }) as Answer;
/** A rendering as transferRecords makes it: SOA, records, SOA. */
const rendering = (serial: number, ...records: Answer[]) => [soa(serial), ...records, soa(serial)];
const shown = (records: readonly Answer[] | undefined) =>
  records?.map((record) => (record.type === 'SOA' ? `SOA ${serialOf(record)}` : `${record.name.split('.')[0]} ${String((record as { data: Buffer[] }).data[0])}`));

describe('RFC 1982 serial arithmetic', () => {
  it('orders serials across the 2^32 wrap and leaves exactly 2^31 apart undefined', () => {
    expect(compareSerials(5, 5)).toBe(0);
    expect(compareSerials(5, 6)).toBe(-1);
    expect(compareSerials(6, 5)).toBe(1);
    expect(compareSerials(2 ** 32 - 1, 0)).toBe(-1);
    expect(compareSerials(0, 2 ** 32 - 1)).toBe(1);
    expect(compareSerials(0, 2 ** 31 - 1)).toBe(-1);
    expect(compareSerials(0, 2 ** 31)).toBeUndefined();
  });
});

describe('ZoneJournal', () => {
  it('knows nothing of a zone never rendered, and no changes for the only version it has', () => {
    const journal = new ZoneJournal();
    expect(journal.changesSince(ZONE, 1)).toBeUndefined();
    journal.keep(ZONE, rendering(1, txt('a')));
    expect(journal.changesSince(ZONE, 1)).toBeUndefined();
  });

  it('one step: the old SOA, the records gone, the new SOA, the records come, between the new SOA twice', () => {
    const journal = new ZoneJournal();
    journal.keep(ZONE, rendering(1, txt('a'), txt('b'), txt('c')));
    journal.keep(ZONE, rendering(2, txt('a'), txt('b', 'changed'), txt('d')));
    expect(shown(journal.changesSince(ZONE, 1))).toEqual(['SOA 2', 'SOA 1', 'b b', 'c c', 'SOA 2', 'b changed', 'd d', 'SOA 2']);
  });

  it('several steps chained from the client serial on, and from a later serial only the later steps', () => {
    const journal = new ZoneJournal();
    journal.keep(ZONE, rendering(10, txt('a'), txt('b')));
    journal.keep(ZONE, rendering(11, txt('a')));
    // A rendering of the same serial and bytes changes nothing.
    journal.keep(ZONE, rendering(11, txt('a')));
    journal.keep(ZONE, rendering(14, txt('a'), txt('c')));
    expect(shown(journal.changesSince(ZONE, 10))).toEqual(['SOA 14', 'SOA 10', 'b b', 'SOA 11', 'SOA 11', 'SOA 14', 'c c', 'SOA 14']);
    expect(shown(journal.changesSince(ZONE, 11))).toEqual(['SOA 14', 'SOA 11', 'SOA 14', 'c c', 'SOA 14']);
    // A serial between versions, or one never seen, is no start of a chain.
    expect(journal.changesSince(ZONE, 12)).toBeUndefined();
    expect(journal.changesSince(ZONE, 9)).toBeUndefined();
  });

  it('chains across the 2^32 wrap of the serial', () => {
    const journal = new ZoneJournal();
    journal.keep(ZONE, rendering(2 ** 32 - 1, txt('a')));
    journal.keep(ZONE, rendering(0, txt('b')));
    expect(shown(journal.changesSince(ZONE, 2 ** 32 - 1))).toEqual(['SOA 0', 'SOA 4294967295', 'a a', 'SOA 0', 'b b', 'SOA 0']);
  });

  it('drops the oldest changesets past its bound of records', () => {
    const journal = new ZoneJournal(4);
    journal.keep(ZONE, rendering(1, txt('a')));
    journal.keep(ZONE, rendering(2, txt('b'))); // 2 records
    journal.keep(ZONE, rendering(3, txt('c'))); // 4
    expect(journal.changesSince(ZONE, 1)).toBeDefined();
    journal.keep(ZONE, rendering(4, txt('d'))); // 6: the first goes
    expect(journal.changesSince(ZONE, 1)).toBeUndefined();
    expect(shown(journal.changesSince(ZONE, 2))).toEqual(['SOA 4', 'SOA 2', 'b b', 'SOA 3', 'c c', 'SOA 3', 'c c', 'SOA 4', 'd d', 'SOA 4']);
    // One changeset larger than the bound is not kept at all.
    journal.keep(ZONE, rendering(5, txt('e'), txt('f'), txt('g'), txt('h')));
    expect(journal.changesSince(ZONE, 4)).toBeUndefined();
  });

  it('drops its changesets when a serial renders with other bytes, or goes back: no client copy of that serial can be trusted', () => {
    const journal = new ZoneJournal();
    journal.keep(ZONE, rendering(1, txt('a')));
    journal.keep(ZONE, rendering(2, txt('a'), txt('b')));
    journal.keep(ZONE, rendering(2, txt('a'))); // b expired: no event, no new serial
    expect(journal.changesSince(ZONE, 1)).toBeUndefined();
    // A client may hold serial 2 with b or without it: from 2 only the whole zone is safe.
    journal.keep(ZONE, rendering(3, txt('c')));
    expect(journal.changesSince(ZONE, 2)).toBeUndefined();
    journal.keep(ZONE, rendering(4, txt('c'), txt('d')));
    expect(shown(journal.changesSince(ZONE, 3))).toEqual(['SOA 4', 'SOA 3', 'SOA 4', 'd d', 'SOA 4']);
    expect(journal.changesSince(ZONE, 2)).toBeUndefined();
    journal.keep(ZONE, rendering(1, txt('a')));
    expect(journal.changesSince(ZONE, 3)).toBeUndefined();
  });

  it('renders a zone one rendering at a time, keeps a rendering only when the serial stayed put, and forgets the zone when it never does', async () => {
    const journal = new ZoneJournal();
    let serial = 1;
    let inFlight = 0;
    let most = 0;
    const render = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return rendering(serial, txt('a', String(serial)));
    };
    await Promise.all([1, 2, 3].map(() => journal.render(ZONE, render, async () => serial)));
    expect(most).toBe(1);
    serial = 2;
    await journal.render(ZONE, render, async () => serial);
    expect(shown(journal.changesSince(ZONE, 1))).toEqual(['SOA 2', 'SOA 1', 'a 1', 'SOA 2', 'a 2', 'SOA 2']);
    // A write during every rendering: the rendering is answered but not kept, and the journal forgets the zone.
    let renders = 0;
    const racing = async () => {
      renders++;
      return rendering(serial++, txt('a', 'x'));
    };
    const answered = await journal.render(ZONE, racing, async () => serial);
    expect(renders).toBe(3);
    expect(serialOf(answered[0]!)).toBe(4);
    expect(journal.changesSince(ZONE, 1)).toBeUndefined();
  });
});
