import { resolve } from 'node:path';
import { dnsSizes, dsRecords } from '../../app/dns-face.js';

export async function ds(namespaces: readonly string[], flags: { data: string }): Promise<void> {
  process.stdout.write((await dsRecords(resolve(flags.data), namespaces)).join('\n') + '\n');
}

export async function sizes(flags: { data: string; json?: boolean }): Promise<void> {
  const report = await dnsSizes(resolve(flags.data));
  if (flags.json) return void process.stdout.write(JSON.stringify(report) + '\n');
  const row = (label: string, s: typeof report.svcb) => `${label.padEnd(34)} ${String(s.count).padStart(6)} ${String(s.p50).padStart(5)} ${String(s.p90).padStart(5)} ${String(s.max).padStart(5)} ${String(s.overBudget).padStart(7)}`;
  process.stdout.write(
    [
      `DNS answer sizes of ${report.agents} agents, signed (DO, Ed25519${report.zoneKey === 'ephemeral' ? ', an ephemeral key: no zone key yet' : ''}), whole messages in bytes; UDP budget 1232`,
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
