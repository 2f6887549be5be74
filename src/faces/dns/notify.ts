/**
 * NOTIFY (RFC 1996): tells the configured secondaries that a zone changed, so they ask for its SOA
 * and transfer it at once instead of at the next REFRESH. Changes arriving together are one NOTIFY
 * per zone and target.
 *
 * UDP loses messages, so a NOTIFY is sent again until the target answers it (RFC 1996 3.6): up to
 * NOTIFY_TRIES times, the waits doubling from NOTIFY_RETRY_START_MS. An answer counts when it is a
 * NOTIFY response with the id of ours, from the target's address and port, for the zone, and, when
 * the target has a TSIG key, signed with that key over our request's MAC (RFC 8945 5.3): anyone
 * can send a datagram, only the secondary can sign it. A newer change of the zone supersedes the
 * NOTIFY still unanswered: it stops, and the new one starts its own tries. A target that never
 * answers still refreshes on the SOA's timer; the app hears of it (`onUnanswered`) to log it.
 * Timers come through the Delays port, so tests drive the retries by hand.
 */
import dnsPacket from 'dns-packet';
import type { Delays } from '../../core/ports.js';
import { readTsig, signMessage, verifyTsig, type TsigKey } from './tsig.js';

/** Sends of one NOTIFY in all, the first included (RFC 1996 3.6 leaves the number to us; BIND and Knot use about 5). */
export const NOTIFY_TRIES = 5;
/** The wait for an answer after the first send; it doubles after each (2, 4, 8, 16, 32 s: a minute in all). */
export const NOTIFY_RETRY_START_MS = 2_000;

export interface NotifyTarget {
  readonly host: string;
  readonly port: number;
  /** The TSIG key the NOTIFY is signed with (a secondary whose ACL names a key ignores an unsigned one). */
  readonly key?: TsigKey | undefined;
}

export interface ZoneNotifierOptions {
  readonly targets: readonly NotifyTarget[];
  readonly send: (message: Buffer, target: NotifyTarget) => void;
  /** Milliseconds since the epoch, for the time a TSIG is signed at and checked by (a port). */
  readonly now: () => number;
  readonly delays: Delays;
  /** A target left every try unanswered. */
  readonly onUnanswered?: ((zone: string, target: NotifyTarget) => void) | undefined;
}

const OPCODE_NOTIFY = 4;
const AUTHORITATIVE = 1 << 10;

/** The NOTIFY message for `zone` (question: the zone's SOA), signed with `key` at `now` (seconds) when given, and its MAC. */
export function notifyMessage(zone: string, id: number, key?: TsigKey, now = 0): { readonly message: Buffer; readonly mac?: Buffer } {
  const message = dnsPacket.encode({ type: 'query', id, flags: (OPCODE_NOTIFY << 11) | AUTHORITATIVE, questions: [{ type: 'SOA', name: zone }] });
  return key ? signMessage(message, key, { timeSigned: now }) : { message };
}

/** A NOTIFY waiting for its answer. */
interface Outstanding {
  readonly zone: string;
  readonly target: NotifyTarget;
  readonly id: number;
  /** The MAC of each signed send: an answer may come to any of them. */
  readonly macs: Buffer[];
  tries: number;
  cancel: () => void;
}

export class ZoneNotifier {
  readonly #pending = new Set<string>();
  /** By zone and target: at most one NOTIFY of a zone per target waits for its answer. */
  readonly #outstanding = new Map<string, Outstanding>();
  #cancelFlush: (() => void) | undefined;
  #id = 0;

  constructor(private readonly options: ZoneNotifierOptions) {}

  /** The zone changed: notify every target, once for all changes that come before the next timer. */
  changed(zone: string): void {
    if (this.options.targets.length === 0) return;
    this.#pending.add(zone);
    this.#cancelFlush ??= this.options.delays.after(0, () => this.#flush());
  }

  /** A response that came to the socket NOTIFYs are sent from: the answer of a target, which ends the tries of its NOTIFY. */
  answered(message: Buffer, from: { readonly address: string; readonly port: number }): void {
    if (message.length < 12 || (message[2]! & 0x80) === 0 || ((message[2]! >> 3) & 0x0f) !== OPCODE_NOTIFY) return;
    const id = message.readUInt16BE(0);
    const address = from.address.replace(/^::ffff:/, '');
    for (const [key, outstanding] of this.#outstanding) {
      const { target } = outstanding;
      if (outstanding.id !== id || target.host !== address || target.port !== from.port) continue;
      if (!answersNotify(message, outstanding, Math.floor(this.options.now() / 1000))) return;
      outstanding.cancel();
      this.#outstanding.delete(key);
      return;
    }
  }

  /** Stop every retry. */
  close(): void {
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    for (const outstanding of this.#outstanding.values()) outstanding.cancel();
    this.#outstanding.clear();
  }

  #flush(): void {
    this.#cancelFlush = undefined;
    for (const zone of this.#pending) {
      for (const target of this.options.targets) {
        const key = `${zone} ${target.host} ${target.port}`;
        // Superseded: the secondary will see the newest serial from the new NOTIFY anyway.
        this.#outstanding.get(key)?.cancel();
        this.#id = (this.#id + 1) & 0xffff;
        const outstanding: Outstanding = { zone, target, id: this.#id, macs: [], tries: 0, cancel: () => {} };
        this.#outstanding.set(key, outstanding);
        this.#send(key, outstanding);
      }
    }
    this.#pending.clear();
  }

  #send(key: string, outstanding: Outstanding): void {
    const { zone, target, id } = outstanding;
    // Signed afresh each time: the TSIG time stays within the secondary's fudge.
    const { message, mac } = notifyMessage(zone, id, target.key, Math.floor(this.options.now() / 1000));
    if (mac) outstanding.macs.push(mac);
    outstanding.tries++;
    this.options.send(message, target);
    const wait = NOTIFY_RETRY_START_MS * 2 ** (outstanding.tries - 1);
    outstanding.cancel = this.options.delays.after(wait, () => {
      if (outstanding.tries < NOTIFY_TRIES) return this.#send(key, outstanding);
      this.#outstanding.delete(key);
      this.options.onUnanswered?.(zone, target);
    });
  }
}

/** Whether a NOTIFY response with the right id and source is the answer: for the zone, and signed by the target's key over one of our MACs when it has one. */
function answersNotify(message: Buffer, outstanding: Outstanding, now: number): boolean {
  const reading = readTsig(message);
  if (reading.kind === 'malformed') return false;
  const key = outstanding.target.key;
  if (key !== undefined) {
    if (reading.kind !== 'signed') return false;
    if (!outstanding.macs.some((priorMac) => verifyTsig(reading.signed, [key], { now, priorMac }).ok)) return false;
  }
  try {
    const question = dnsPacket.decode(reading.kind === 'signed' ? reading.signed.unsigned : message).questions?.[0];
    // RFC 1996 4.7: the answer echoes the question; a server that leaves it out still answered.
    return question === undefined || question.name.toLowerCase().replace(/\.$/, '') === outstanding.zone;
  } catch {
    return false;
  }
}
