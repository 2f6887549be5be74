/**
 * NOTIFY (RFC 1996): tells the configured secondaries that a zone changed, so they ask for its SOA
 * and transfer it at once instead of at the next REFRESH. Changes arriving together are one NOTIFY
 * per zone. A NOTIFY is sent once; a secondary that misses it still refreshes on the SOA's timer.
 */
import dnsPacket from 'dns-packet';
import { signMessage, type TsigKey } from './tsig.js';

export interface NotifyTarget {
  readonly host: string;
  readonly port: number;
  /** The TSIG key the NOTIFY is signed with (a secondary whose ACL names a key ignores an unsigned one). */
  readonly key?: TsigKey | undefined;
}

const OPCODE_NOTIFY = 4 << 11;
const AUTHORITATIVE = 1 << 10;

/** The NOTIFY message for `zone` (question: the zone's SOA), signed with `key` at `now` (seconds) when given. */
export function notifyMessage(zone: string, id: number, key?: TsigKey, now = 0): Buffer {
  const message = dnsPacket.encode({ type: 'query', id, flags: OPCODE_NOTIFY | AUTHORITATIVE, questions: [{ type: 'SOA', name: zone }] });
  return key ? signMessage(message, key, { timeSigned: now }).message : message;
}

export class ZoneNotifier {
  readonly #pending = new Set<string>();
  #scheduled = false;
  #id = 0;

  constructor(
    private readonly targets: readonly NotifyTarget[],
    private readonly send: (message: Buffer, target: NotifyTarget) => void,
    /** Milliseconds since the epoch, for the time a TSIG is signed at (a port). */
    private readonly now: () => number,
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
        for (const target of this.targets) this.send(notifyMessage(pending, this.#id, target.key, Math.floor(this.now() / 1000)), target);
      }
      this.#pending.clear();
    });
  }
}
