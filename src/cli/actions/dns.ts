import { resolve } from 'node:path';
import { dsRecords } from '../../app/dns-face.js';

export async function ds(namespaces: readonly string[], flags: { data: string }): Promise<void> {
  process.stdout.write((await dsRecords(resolve(flags.data), namespaces)).join('\n') + '\n');
}
