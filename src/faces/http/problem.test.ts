import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, isErrorCode, type ErrorCode } from '../../core/errors.js';
import { problemDocument, statusOf } from './problem.js';

/** The rows of the table in docs/errors.md: | `CODE` | status | kind | title | remedy | */
function documentedRows(): Map<string, { status: number; kind: string; title: string; remedy: string }> {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, { status: number; kind: string; title: string; remedy: string }>();
  for (const line of doc.split('\n')) {
    const match = /^\| `([A-Z_]+)` \| (\d{3}) \| ([a-z-]+) \| (.+?) \| (.+?) \|$/.exec(line);
    if (!match) continue;
    expect(rows.has(match[1]!), `${match[1]} is listed twice`).toBe(false);
    rows.set(match[1]!, { status: Number(match[2]), kind: match[3]!, title: match[4]!, remedy: match[5]! });
  }
  return rows;
}

describe('the error catalogue', () => {
  it('is documented in docs/errors.md exactly: same codes, statuses, kinds and titles', () => {
    const rows = documentedRows();
    const codes = Object.keys(errorCatalogue) as ErrorCode[];
    expect([...rows.keys()].sort()).toEqual([...codes].sort());
    for (const code of codes) {
      expect(rows.get(code), code).toMatchObject({ status: statusOf(code), kind: errorCatalogue[code].kind, title: errorCatalogue[code].title });
      expect(rows.get(code)!.remedy.length, `${code} says what to do`).toBeGreaterThan(5);
    }
  });

  it('uses stable upper-snake-case codes', () => {
    for (const code of Object.keys(errorCatalogue)) expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
    expect(isErrorCode('NAME_EMPTY')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
});

describe('problem documents', () => {
  it('summarise the first problem and keep them all', () => {
    const document = problemDocument(
      [
        { code: 'SEQUENCE_STALE', detail: 'sequence 4 is not above the stored 5', pointer: '/addr/payload/seq' },
        { code: 'RECORD_EXPIRED', detail: 'expired' },
      ],
      '/v1/agents',
    );
    expect(document).toEqual({
      type: 'urn:signpost:error:SEQUENCE_STALE',
      title: errorCatalogue.SEQUENCE_STALE.title,
      status: 409,
      code: 'SEQUENCE_STALE',
      detail: 'sequence 4 is not above the stored 5',
      instance: '/v1/agents',
      errors: [
        { code: 'SEQUENCE_STALE', detail: 'sequence 4 is not above the stored 5', pointer: '/addr/payload/seq' },
        { code: 'RECORD_EXPIRED', detail: 'expired' },
      ],
    });
  });
});
