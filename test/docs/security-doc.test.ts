/**
 * docs/security.md backs every "cannot" with a test: each file it links must exist, and each test
 * title it quotes after a link must still be in that file, so the document cannot drift from the
 * tests that prove it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DOCS = new URL('../../docs/', import.meta.url);
const text = readFileSync(new URL('security.md', DOCS), 'utf8').replace(/\s+/g, ' ');
const straight = (s: string) => s.replace(/[’‘]/g, "'");

/** Every linked file, with the test titles quoted right after the link. */
function citations(): { file: string; titles: string[] }[] {
  const found: { file: string; titles: string[] }[] = [];
  for (const match of text.matchAll(/\]\((\.\.\/[^)#\s]+)\)((?:\s*(?:and\s+)?"[^"]+",?)*)/g)) {
    const titles = [...match[2]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.replace(/\s*…$/, ''));
    found.push({ file: match[1]!, titles });
  }
  return found;
}

describe('docs/security.md', () => {
  it('links only files that exist, and quotes only test titles those files still have', () => {
    const cited = citations();
    expect(cited.filter((c) => c.titles.length > 0).length).toBeGreaterThan(15);
    for (const { file, titles } of cited) {
      const url = new URL(file, DOCS);
      expect(existsSync(url), file).toBe(true);
      const source = straight(readFileSync(url, 'utf8').replace(/\s+/g, ' '));
      for (const title of titles) expect(source, `${file} has no test "${title}"`).toContain(straight(title));
    }
  });
});
