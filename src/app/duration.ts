/**
 * Durations as flags and environment variables give them: `3600` or `3600s` (seconds), `30m`,
 * `12h`, `7d`. The one parser of the CLI and the serve configuration.
 */
import { fail, ok, type Result } from '../core/errors.js';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^(\d{1,7})(s|m|h|d)?$/;

/** `3600`, `3600s`, `30m`, `12h`, `7d` in whole seconds; undefined for anything else. */
export function durationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_SECONDS[(match[2] ?? 's') as keyof typeof UNIT_SECONDS];
}

/** Inclusive bounds, in seconds. */
export interface DurationBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * A duration flag in seconds, within `bounds`; otherwise `REQUEST_INVALID` naming the flag, the
 * accepted forms or the bounds, and what was given.
 */
export function parseDuration(text: string, flag: string, bounds: DurationBounds): Result<number> {
  const seconds = durationSeconds(text);
  if (seconds === undefined) return fail('REQUEST_INVALID', `${flag} must look like 90s, 30m, 24h or 7d, got "${text}"`);
  if (seconds < bounds.min || seconds > bounds.max) {
    return fail('REQUEST_INVALID', `${flag} must be between ${formatDuration(bounds.min)} and ${formatDuration(bounds.max)}, got "${text}"`);
  }
  return ok(seconds);
}

/** The largest whole unit: `7d`, `12h`, `30m`; seconds below two minutes (`60s`, `90s`). */
export function formatDuration(seconds: number): string {
  if (seconds > 0 && seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
