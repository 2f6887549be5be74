/** Knot DNS (Debian's knotd) as an authoritative server on loopback, for tests that need real DNS. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** knotd serving `zone` from the given records (zone-file lines relative to the zone) on 127.0.0.1:port; the caller kills it. */
export async function startAuthoritativeKnot(dir: string, port: number, zone: string, records: readonly string[]): Promise<ChildProcess> {
  const file = join(dir, `${zone}.zone`);
  await writeFile(file, [`$ORIGIN ${zone}.`, '$TTL 300', `@ SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 300`, `@ NS ns1.${zone}.`, 'ns1 A 127.0.0.1', ...records, ''].join('\n'));
  const config = join(dir, 'knot.conf');
  await writeFile(
    config,
    ['server:', `    rundir: "${dir}"`, `    listen: 127.0.0.1@${port}`, 'database:', `    storage: "${dir}"`, 'log:', '  - target: stderr', '    any: warning', 'zone:', `  - domain: ${zone}`, `    file: "${file}"`, '    journal-content: none', ''].join('\n'),
  );
  // Debian puts knotd in /usr/sbin, which a non-root PATH may lack.
  return spawn(existsSync('/usr/sbin/knotd') ? '/usr/sbin/knotd' : 'knotd', ['-c', config], { stdio: 'ignore' });
}
