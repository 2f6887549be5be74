/**
 * Helpers shared by the importers: label normalization, name building, text that fits the facts
 * schema, and the final step that turns per-entry drafts into a plan (duplicates, facts check).
 */

import { fail, type Problem, type Result } from '../errors.js';
import { canonicalAgentName } from '../name/index.js';
import { MAX_URL_LENGTH } from '../record/agent-addr.js';
import { checkAgentFacts } from '../record/agent-facts.js';
import type { ImportCandidate, ImportPlan, ImportSkip } from './types.js';

/**
 * A well-formed Ed25519 did:key used only to check that claims, once completed, are valid
 * AgentFacts. The caller replaces it with the agent's own key.
 */
export const PLACEHOLDER_AGENT_ID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

const MAX_LABEL_OCTETS = 63;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Set an own, enumerable field even when its name is `__proto__`: foreign documents are JSON, where
 * that is an ordinary key, and plain assignment would change the prototype instead.
 */
export function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A trimmed, non-empty string, or undefined. */
export function nonEmpty(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** An absolute http(s) URL that fits the facts schema, as written (trimmed); otherwise undefined. */
export function httpUrl(value: unknown): string | undefined {
  const text = nonEmpty(value);
  if (text === undefined || text.length > MAX_URL_LENGTH || !URL.canParse(text)) return undefined;
  const { protocol } = new URL(text);
  return protocol === 'https:' || protocol === 'http:' ? text : undefined;
}

/** Any non-empty string that fits a facts `url` field (1..2048 characters), unchanged. */
export function urlText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_URL_LENGTH ? value : undefined;
}

/** Code points, which is what the schema's maxLength counts; never splits a surrogate pair. */
function codePoints(text: string): string[] {
  return Array.from(text);
}

/**
 * Shorten text to at most `max` code points: cut at the last word boundary (when one is in the
 * second half) and end with an ellipsis. Text that already fits is returned unchanged.
 */
export function truncateText(text: string, max: number): string {
  const points = codePoints(text);
  if (points.length <= max) return text;
  const head = points.slice(0, max - 1).join('');
  const boundary = head.search(/\s\S*$/);
  const cut = boundary > head.length / 2 ? head.slice(0, boundary) : head;
  return `${cut.replace(/[\s,;:.-]+$/u, '')}…`;
}

/** A string field of at most `max` code points, truncated with an ellipsis when longer. */
export function fittedText(value: unknown, max: number): string | undefined {
  const text = nonEmpty(value);
  return text === undefined ? undefined : truncateText(text, max);
}

/** A string of at most `max` code points, unchanged; longer or non-strings are undefined. */
export function shortText(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && codePoints(value).length <= max ? value : undefined;
}

/** A list of at most `maxItems` strings of at most `maxLength` code points each, unchanged. */
export function stringList(value: unknown, maxItems: number, maxLength: number): string[] | undefined {
  if (!Array.isArray(value) || value.length > maxItems) return undefined;
  return value.every((item) => shortText(item, maxLength) !== undefined) ? (value as string[]) : undefined;
}

/**
 * One DNS label from arbitrary text: ASCII letters lowercased, every run of other characters
 * outside [a-z0-9-] becomes "-", hyphens trimmed at both ends, at most 63 octets. May be empty.
 * Only ASCII is case-folded: folding other scripts can produce ASCII look-alikes (KELVIN SIGN → k).
 */
export function normalizeLabel(text: string): string {
  const folded = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const replaced = folded.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return replaced.slice(0, MAX_LABEL_OCTETS).replace(/-+$/, '');
}

/**
 * `agent://<namespace>/<path>` from foreign labels: each namespace label (DNS order) and the single
 * path label are normalized, then the result must parse as an agent name.
 */
export function agentNameFrom(namespaceLabels: readonly string[], pathText: string): Result<string> {
  const namespace: string[] = [];
  for (const [index, raw] of namespaceLabels.entries()) {
    const label = normalizeLabel(raw);
    if (label === '') {
      return fail(
        'NAME_EMPTY_LABEL',
        `label ${index + 1} of the namespace ${JSON.stringify(namespaceLabels.join('.'))} (${JSON.stringify(raw)}) is empty after normalization to lowercase letters, digits and hyphens`,
      );
    }
    namespace.push(label);
  }
  const path = normalizeLabel(pathText);
  if (path === '') {
    return fail(
      'NAME_EMPTY_LABEL',
      `the path ${JSON.stringify(pathText)} is empty after normalization to lowercase letters, digits and hyphens`,
    );
  }
  return canonicalAgentName(`agent://${namespace.join('.')}/${path}`);
}

export function reasonOf(problems: readonly Problem[]): string {
  const first = problems[0];
  return first === undefined ? 'invalid' : `${first.code}: ${first.detail}`;
}

/** One entry after mapping: either a named candidate or the reason it was skipped. */
export type Draft =
  | { readonly ok: true; readonly source: string; readonly name: string; readonly claims: Record<string, unknown> }
  | { readonly ok: false; readonly source: string; readonly reason: string };

export function skip(source: string, reason: string): Draft {
  return { ok: false, source, reason };
}

/**
 * Drafts → plan. Each candidate's claims, completed with a placeholder key, must pass
 * checkAgentFacts (otherwise it is skipped with that problem); of several candidates with the same
 * name the first is kept and the others are skipped as duplicates of it.
 */
export function buildPlan(drafts: Iterable<Draft>): ImportPlan {
  const candidates: ImportCandidate[] = [];
  const skipped: ImportSkip[] = [];
  const firstSourceOf = new Map<string, string>();
  for (const draft of drafts) {
    if (!draft.ok) {
      skipped.push({ source: draft.source, reason: draft.reason });
      continue;
    }
    const facts = checkAgentFacts({ ...draft.claims, type: 'AgentFacts', v: 1, id: PLACEHOLDER_AGENT_ID, agent_name: draft.name });
    if (!facts.ok) {
      skipped.push({ source: draft.source, reason: reasonOf(facts.problems) });
      continue;
    }
    const first = firstSourceOf.get(draft.name);
    if (first !== undefined) {
      skipped.push({ source: draft.source, reason: `duplicate of ${first}` });
      continue;
    }
    firstSourceOf.set(draft.name, draft.source);
    candidates.push({ source: draft.source, name: draft.name, claims: draft.claims });
  }
  return { candidates, skipped };
}
