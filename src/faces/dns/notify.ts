/**
 * NOTIFY (RFC 1996): tells the configured secondaries that a zone changed, so they ask for its SOA
 * and transfer it at once instead of at the next REFRESH. Changes arriving together are one NOTIFY
 * per zone. A NOTIFY is sent once; a secondary that misses it still refreshes on the SOA's timer.
 */
import dnsPacket from 'dns-packet';

export interface NotifyTarget {
  readonly host: string;
  readonly port: number;
}

const OPCODE_NOTIFY = 4 << 11;
const AUTHORITATIVE = 1 << 10;

/** The NOTIFY message for `zone` (question: the zone's SOA). */
export function notifyMessage(zone: string, id: number): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: OPCODE_NOTIFY | AUTHORITATIVE, questions: [{ type: 'SOA', name: zone }] });
}

export class ZoneNotifier {
  readonly #pending = new Set<string>();
  #scheduled = false;
  #id = 0;

  constructor(
    private readonly targets: readonly NotifyTarget[],
    private readonly send: (message: Buffer, target: NotifyTarget) => void,
  ) {}

  /** The zone changed: notify every target, once for all changes of this turn of the event loop. */
  changed(zone: string): void {
    if (this.targets.length === 0) return;
    this.#pending.add(zone);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      for (const pending of this.#pending) {
        this.#id = (this.#id + 1) & 0xffff;
        for (const target of this.targets) this.send(notifyMessage(pending, this.#id), target);
      }
      this.#pending.clear();
    });
  }
}
