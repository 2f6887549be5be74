import { describe, expect, it } from 'vitest';
import { normalizeLabel, truncateText } from './index.js';

describe('normalizeLabel', () => {
  it.each([
    ['magic-mcp', 'magic-mcp'],
    ['mcp_code_executor', 'mcp-code-executor'],
    ['Recipe Agent', 'recipe-agent'],
    ['  --Hello, World!--  ', 'hello-world'],
    ['a--b', 'a--b'],
    ['café', 'caf'],
    ['\u212Aelvin', 'elvin'], // KELVIN SIGN is not folded to an ASCII "k"
    ['___', ''],
    ['', ''],
    [`${'x'.repeat(62)}-yz`, 'x'.repeat(62)],
    ['x'.repeat(80), 'x'.repeat(63)],
  ])('%j → %j', (input, expected) => {
    expect(normalizeLabel(input)).toBe(expected);
  });
});

describe('truncateText', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateText('short text', 10)).toBe('short text');
  });

  it('cuts at the last word boundary and adds an ellipsis', () => {
    expect(truncateText('the quick brown fox jumps', 18)).toBe('the quick brown…');
  });

  it('cuts hard when there is no word boundary in the second half', () => {
    expect(truncateText('abcdefghijklmnopqrstuvwxyz', 10)).toBe('abcdefghi…');
  });

  it('counts code points and never splits a surrogate pair', () => {
    const result = truncateText('😀'.repeat(20), 10);
    expect(Array.from(result)).toHaveLength(10);
    expect(result).toBe(`${'😀'.repeat(9)}…`);
  });

  it('never exceeds the limit', () => {
    for (let max = 2; max < 40; max++) {
      expect(Array.from(truncateText('lorem ipsum dolor sit amet, consectetur adipiscing elit', max)).length).toBeLessThanOrEqual(max);
    }
  });
});
