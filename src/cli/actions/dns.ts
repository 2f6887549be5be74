import { resolve } from 'node:path';
import { dnsSizes, dsRecords } from '../../app/dns-face.js';
import { finishRollover, rolloverStatus, startRollover, zoneAlgorithmOption, type RolloverStatus } from '../../app/dns-zone-keys.js';
import { durationSeconds } from '../../app/duration.js';
import { systemClock } from '../../adapters/system-clock.js';
import { SignpostError } from '../../core/errors.js';

export async function ds(namespaces: readonly string[], flags: { data: string; flat?: boolean }): Promise<void> {
  process.stdout.write((await dsRecords(resolve(flags.data), namespaces, flags.flat === true)).join('\n') + '\n');
}

const ALGORITHM_LABELS: Readonly<Record<string, string>> = { ed25519: 'Ed25519', ecdsap256: 'ECDSA P-256' };

export async function sizes(flags: { data: string; json?: boolean }): Promise<void> {
  const report = await dnsSizes(resolve(flags.data));
  if (flags.json) return void process.stdout.write(JSON.stringify(report) + '\n');
  const row = (label: string, s: typeof report.svcb) => `${label.padEnd(34)} ${String(s.count).padStart(6)} ${String(s.p50).padStart(5)} ${String(s.p90).padStart(5)} ${String(s.max).padStart(5)} ${String(s.overBudget).padStart(7)}`;
  process.stdout.write(
    [
      `DNS answer sizes of ${report.agents} agents, signed (DO, ${report.zoneAlgorithms.map((name) => ALGORITHM_LABELS[name]).join(' + ')}${report.zoneKey === 'ephemeral' ? ', an ephemeral key: no zone key yet' : ''}), whole messages in bytes; UDP budget 1232`,
      `${'answer'.padEnd(34)} ${'agents'.padStart(6)} ${'P50'.padStart(5)} ${'P90'.padStart(5)} ${'max'.padStart(5)} ${'> 1232'.padStart(7)}`,
      row('SVCB (NODATA without endpoints)', report.svcb),
      row('SVCB, agents with endpoints', report.svcbOfAgentsWithEndpoints),
      row('TXT (signed AgentAddr)', report.txt),
      'largest:',
      ...report.largest.map((answer) => `  ${answer.bytes} ${answer.type} ${answer.owner}`),
      '',
    ].join('\n'),
  );
}

const keyLine = (label: string, key: { tag: number; algorithm: string }) => `${label} key ${key.tag} (${key.algorithm})`;

function statusLines(status: RolloverStatus): string[] {
  if (!status.next) return [keyLine('active', status.active), 'no rollover in progress'];
  return [
    keyLine('active', status.active) + ': signs beside the next key until finish',
    keyLine('next  ', status.next) + `: rollover started ${status.next.startedAt}, may finish ${status.next.finishAllowed ? 'now' : `after ${status.next.finishAfter}`}`,
  ];
}

export async function rolloverStart(flags: { data: string; algorithm?: string; dsTtl: string }): Promise<void> {
  const dsTtlSeconds = durationSeconds(flags.dsTtl);
  if (dsTtlSeconds === undefined || dsTtlSeconds > 30 * 86_400) throw new SignpostError('REQUEST_INVALID', `--ds-ttl takes a duration up to 30d (e.g. 86400, 1h, 2d), got "${flags.dsTtl}"`);
  const algorithm = flags.algorithm === undefined ? undefined : zoneAlgorithmOption(flags.algorithm, '--algorithm');
  const status = await startRollover(resolve(flags.data), { algorithm, dsTtlSeconds, clock: systemClock });
  process.stdout.write(
    [
      ...statusLines(status),
      'next: start the registry: it publishes both DNSKEYs and signs every answer with both keys.',
      'Then, after an hour (the DNSKEY TTL), replace the DS at each namespace\'s zone with the new key\'s (signpost dns ds <namespace> prints both),',
      `and run signpost dns rollover finish after ${status.next!.finishAfter}.`,
      '',
    ].join('\n'),
  );
}

export async function rolloverStatusAction(flags: { data: string; json?: boolean }): Promise<void> {
  const status = await rolloverStatus(resolve(flags.data), systemClock);
  process.stdout.write(flags.json ? JSON.stringify(status) + '\n' : statusLines(status).join('\n') + '\n');
}

export async function rolloverFinish(flags: { data: string; force?: boolean }): Promise<void> {
  const finished = await finishRollover(resolve(flags.data), { force: flags.force, clock: systemClock });
  if (finished.early) {
    process.stderr.write(`warning: finished early (--force): resolvers that still hold only the DS or trust anchor of key ${finished.retired.tag} fail to validate the zones until it expires\n`);
  }
  process.stdout.write(`${keyLine('active', finished.active)}; ${keyLine('retired', finished.retired)} (kept as dns-zone-key-retired-${finished.retired.tag}.jwk): publish only the new DS\n`);
}
