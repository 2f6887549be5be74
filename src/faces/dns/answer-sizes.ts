/**
 * The sizes of the answers a discovery client gets: for each agent, the whole message answering
 * its SVCB and its TXT question with EDNS(0) and the DO bit, as over TCP (so an answer past the
 * UDP budget is measured, not truncated). `signpost dns sizes` and bench/dns/sizes.ts report them.
 */
import dnsPacket from 'dns-packet';
import { answerMessage } from './dns-server.js';
import type { ZoneSigner } from './dnssec.js';
import type { ZoneView } from './zone-view.js';

export const UDP_BUDGET = 1232;

export interface AnswerSize {
  readonly owner: string;
  readonly svcbBytes: number;
  /** Records in the SVCB answer: 0 for an agent without an http(s) endpoint (a NODATA). */
  readonly svcbRecords: number;
  readonly txtBytes: number;
}

export async function measureAnswerSizes(view: ZoneView, signer: ZoneSigner | undefined, owners: Iterable<string>): Promise<AnswerSize[]> {
  const ask = async (owner: string, type: string) => {
    const query = dnsPacket.encode({
      type: 'query',
      id: 1,
      questions: [{ type: type as never, name: owner }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: UDP_BUDGET, flags: signer ? dnsPacket.DNSSEC_OK : 0 } as never],
    });
    const answer = (await answerMessage({ view, signer }, query, 'tcp'))!;
    return { bytes: answer.length, records: dnsPacket.decode(answer).answers?.filter((record) => record.type !== 'RRSIG').length ?? 0 };
  };
  const sizes: AnswerSize[] = [];
  for (const owner of owners) {
    const svcb = await ask(owner, 'UNKNOWN_64');
    sizes.push({ owner, svcbBytes: svcb.bytes, svcbRecords: svcb.records, txtBytes: (await ask(owner, 'TXT')).bytes });
  }
  return sizes;
}

/** P50, P90 and max (nearest rank) of some sizes, and how many pass the UDP budget. */
export function summarizeSizes(values: readonly number[]): { readonly count: number; readonly p50: number; readonly p90: number; readonly max: number; readonly overBudget: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  return { count: sorted.length, p50: rank(50), p90: rank(90), max: sorted.at(-1) ?? 0, overBudget: sorted.filter((value) => value > UDP_BUDGET).length };
}
