/**
 * The word model shared by every backend: a JavaScript twin of SQLite FTS5's
 * `unicode61 remove_diacritics 2` tokenizer, so the memory store (and any backend without FTS5)
 * splits and folds text exactly where SQLite does for the scripts agents are described in
 * (Latin, Greek, Cyrillic, CJK, ...). The SQLite store also uses it to cut user queries into
 * words before quoting them for FTS5, so both stores agree on what a "word" of a query is.
 *
 * Known gaps (SQLite's tables are Unicode 6.1): letters added to Unicode later may fold or split
 * differently; src/store/sqlite/tokenizer-parity.test.ts pins the agreement on the rest.
 */

/** Combining diacritical marks: FTS5 drops them wherever they stand (they never split a word). */
const COMBINING_DIACRITIC = /[\u0300-\u036f]/gu;
const LATIN_BASE = /^\p{Script=Latin}$/u;
const WORD_CHARACTER = /^[\p{L}\p{N}\p{Co}]+$/u;

/**
 * Case folds that differ from toLowerCase (Unicode CaseFolding.txt, the ones unicode61 applies):
 * lowercasing alone would keep these variant forms apart from their plain letters.
 */
const EXTRA_FOLDS: ReadonlyMap<string, string> = new Map([
  ['ς', 'σ'],
  ['ϐ', 'β'],
  ['ϑ', 'θ'],
  ['ϕ', 'φ'],
  ['ϖ', 'π'],
  ['ϰ', 'κ'],
  ['ϱ', 'ρ'],
  ['ϵ', 'ε'],
  ['ſ', 's'],
  ['µ', 'μ'],
  ['\u1fbe', 'ι'],
]);

/** Lowercased, diacritic-free words of `text`, in order (duplicates kept: they count for rank). */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  let word = '';
  for (const character of text) {
    const folded = foldCharacter(character);
    if (folded === '') continue;
    if (WORD_CHARACTER.test(folded)) {
      word += folded;
    } else if (word !== '') {
      words.push(word);
      word = '';
    }
  }
  if (word !== '') words.push(word);
  return words;
}

/** One code point as FTS5 indexes it: '' for a lone diacritic, else its folded form. */
function foldCharacter(character: string): string {
  const lowered = removeLatinDiacritics(character).toLowerCase();
  return EXTRA_FOLDS.get(lowered) ?? lowered;
}

/**
 * unicode61 strips diacritics from Latin letters only (é → e, but Greek ά and Cyrillic й stay);
 * per code point so that lowercasing cannot see context (no final-sigma rule).
 */
function removeLatinDiacritics(character: string): string {
  const decomposed = character.normalize('NFD');
  const stripped = decomposed.replace(COMBINING_DIACRITIC, '');
  if (stripped === decomposed) return character;
  if (stripped === '') return '';
  return LATIN_BASE.test(stripped) ? stripped : character;
}

/**
 * The searchable labels of an agent name, space separated: `agent://acme/billing/invoice-bot`
 * gives `acme billing invoice-bot`. The scheme is left out: every name has it, so it would
 * match everything.
 */
export function nameLabels(name: string): string {
  const withoutScheme = name.replace(/^[a-z][a-z0-9+.-]*:\/\//iu, '');
  return withoutScheme
    .split(/[/.]/u)
    .filter((label) => label !== '')
    .join(' ');
}
