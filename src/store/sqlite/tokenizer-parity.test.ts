/**
 * The memory store's tokenizer must cut and fold text exactly where SQLite FTS5's
 * `unicode61 remove_diacritics 2` does, or the two stores would find different agents. Here the
 * real FTS5 tokenizer (read back through fts5vocab) is the oracle.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenize } from '../search/tokenize.js';

const db = new Database(':memory:');
db.exec(`
  CREATE VIRTUAL TABLE sample USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE sample_words USING fts5vocab (sample, 'instance');
`);
const clear = db.prepare('DELETE FROM sample');
const insert = db.prepare('INSERT INTO sample (rowid, text) VALUES (1, ?)');
const words = db.prepare<[], { term: string }>('SELECT term FROM sample_words ORDER BY offset');

function fts5Tokens(text: string): string[] {
  clear.run();
  insert.run(text);
  return words.all().map((row) => row.term);
}

afterAll(() => {
  db.close();
});

describe('tokenize() agrees with FTS5 unicode61 remove_diacritics 2', () => {
  const samples = [
    'Reads Invoices and reconciles payments.',
    'Café, crème brûlée & Résumé: naïve coöperation',
    'Straße İstanbul ΣΟΦΟΣ σοφος',
    'e\u0301x \u0301abc a\u0301\u0302b',
    'Vietnamese: Tiếng Việt có dấu ệ ǘ Ấ ḕ',
    'Ελληνικά ά ё й Ўa Русский текст',
    '日本語テキスト 中文 한국어',
    'emoji😀here x²y ½ $5 a_b c+d',
    'kid-safe HIPAA/SOC2; ISO-27001 (v2.1)',
    'x\u200By tab\tnew\nline',
    'ϐ ϑ ϕ ϖ ϰ ϱ ϵ ſ µ ẛ',
    'Ǆemal ǅ ǈ ÆON Øre œuvre ÿ Ÿ ł đ ħ',
    'AND OR NOT NEAR "quoted" col:value ^start prefix*',
  ];

  it.each(samples)('%s', (text) => {
    expect(tokenize(text)).toEqual(fts5Tokens(text));
  });

  it('on random text from the scripts agents are described in', () => {
    const alphabet = [
      ...'abcxyzABCXYZ0189',
      ...'éèêëàâäçñõøåæœßÉÀÇÑÖÜ',
      ...'αβγΣσςΩάЖжйЁ',
      ...'日本語中文',
      ...' .,;:!?-_/\\"\'()[]{}*^+@#%&|~`<>=\t\n',
      '\u0301',
      '😀',
    ];
    const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, (sample) => {
        expect(tokenize(sample)).toEqual(fts5Tokens(sample));
      }),
      { numRuns: 500 },
    );
  });
});
