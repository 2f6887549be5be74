import { describe, expect, it } from 'vitest';
import { durationSeconds, formatDuration, parseDuration } from './duration.js';

describe('durationSeconds', () => {
  it.each([
    ['3600', 3600],
    ['90s', 90],
    [' 30m ', 1800],
    ['12h', 43_200],
    ['7d', 604_800],
    ['365d', 31_536_000],
    ['0', 0],
  ])('%s is %i seconds', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it.each(['', '1w', '1.5h', '-1h', 'h', '12 h', '12H', '12345678', '1d2h'])('refuses %j', (text) => {
    expect(durationSeconds(text)).toBeUndefined();
  });
});

describe('parseDuration', () => {
  const bounds = { min: 60, max: 7 * 86_400 };

  it('gives seconds within the bounds, both ends included', () => {
    expect(parseDuration('60s', '--validity', bounds)).toEqual({ ok: true, value: 60 });
    expect(parseDuration('7d', '--validity', bounds)).toEqual({ ok: true, value: 604_800 });
  });

  it('REQUEST_INVALID naming the flag, with the forms or the bounds', () => {
    const detail = (text: string) => {
      const result = parseDuration(text, '--validity', bounds);
      return result.ok ? undefined : [result.problems[0]?.code, result.problems[0]?.detail];
    };
    expect(detail('soon')).toEqual(['REQUEST_INVALID', '--validity must look like 90s, 30m, 24h or 7d, got "soon"']);
    expect(detail('59')).toEqual(['REQUEST_INVALID', '--validity must be between 60s and 7d, got "59"']);
    expect(detail('8d')).toEqual(['REQUEST_INVALID', '--validity must be between 60s and 7d, got "8d"']);
  });

  it('formats bounds in their largest whole unit', () => {
    expect([60, 90, 1800, 3600, 86_400, 99_999 * 86_400].map(formatDuration)).toEqual(['60s', '90s', '30m', '1h', '1d', '99999d']);
  });
});
