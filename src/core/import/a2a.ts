/**
 * A2A AgentCard → import plan.
 *
 * Accepts cards of v0.3 (top-level `url`, `preferredTransport`, `additionalInterfaces`,
 * `protocolVersion`) and v1.0 (`supportedInterfaces[{url, protocolBinding, protocolVersion}]`), one
 * card or a JSON array of cards. Every card field the AgentFacts schema knows is kept under its own
 * spelling; everything else (unknown fields, and known fields whose value does not fit the schema)
 * goes under `extensions.a2a`, mirroring the card's shape, so nothing is lost.
 *
 * Name: `agent://<namespace>/<card name normalized to one label>`, where the namespace is
 * `origin.namespace`, else the host of the card's first interface URL, else the host of `origin.url`.
 *
 * Card signatures (`signatures`) are carried as they are and NOT verified here.
 */

import { fail, ok, type Result } from '../errors.js';
import {
  agentNameFrom,
  buildPlan,
  fittedText,
  isRecord,
  nonEmpty,
  put,
  reasonOf,
  shortText,
  skip,
  stringList,
  truncateText,
  urlText,
  type Draft,
} from './common.js';
import type { ImportPlan } from './types.js';

export interface A2aOrigin {
  /** Where the card was fetched from, e.g. https://acme.com/.well-known/agent-card.json. */
  readonly url?: string;
  /** The namespace to register under; wins over any host found in the card. */
  readonly namespace?: string;
}

const MAX_LABEL = 256;
const MAX_DESCRIPTION = 8192;
const MAX_SKILL_DESCRIPTION = 4096;
const MAX_SHORT = 64;
const MAX_INTERFACES = 32;
const MAX_SKILLS = 256;

/** Plan the import of one A2A AgentCard or a JSON array of them. */
export function planA2aImport(card: unknown, origin?: A2aOrigin): Result<ImportPlan> {
  const cards = Array.isArray(card) ? card : [card];
  if (!Array.isArray(card) && !isCard(card)) {
    return fail(
      'IMPORT_UNSUPPORTED_SHAPE',
      'expected an A2A AgentCard (an object with a "name" and "supportedInterfaces", "url", "skills" or "capabilities") or an array of them',
    );
  }
  if (cards.length > 0 && !cards.some(isCard)) {
    return fail('IMPORT_UNSUPPORTED_SHAPE', `none of the ${cards.length} array items is an A2A AgentCard`);
  }
  return ok(buildPlan(cards.map((c, index) => draftCard(c, index, origin ?? {}))));
}

function isCard(value: unknown): value is Record<string, unknown> {
  return (
    isRecord(value) &&
    typeof value.name === 'string' &&
    (Array.isArray(value.supportedInterfaces) || typeof value.url === 'string' || Array.isArray(value.skills) || isRecord(value.capabilities))
  );
}

function draftCard(card: unknown, index: number, origin: A2aOrigin): Draft {
  if (!isCard(card)) return skip(`card #${index}`, 'not an A2A AgentCard: expected an object with a "name" and interfaces, skills or capabilities');
  const source = nonEmpty(card.name) ?? `card #${index}`;
  const namespace = namespaceOf(card, origin);
  if (!namespace.ok) return skip(source, reasonOf(namespace.problems));
  const name = agentNameFrom(namespace.value.split('.'), card.name as string);
  if (!name.ok) return skip(source, reasonOf(name.problems));
  return { ok: true, source, name: name.value, claims: claimsOf(card) };
}

// --- namespace -----------------------------------------------------------------------------

function namespaceOf(card: Record<string, unknown>, origin: A2aOrigin): Result<string> {
  const given = nonEmpty(origin.namespace);
  if (given !== undefined) return ok(given.replace(/\.$/, ''));
  const candidates = [firstInterfaceUrl(card), nonEmpty(origin.url)].filter((u): u is string => u !== undefined);
  const refused: string[] = [];
  for (const url of candidates) {
    const host = hostOf(url);
    if (host === undefined) refused.push(`${JSON.stringify(url)} is not an absolute URL`);
    else if (isAnonymousHost(host)) refused.push(`the host ${JSON.stringify(host)} of ${JSON.stringify(url)} is a local name or an IP address, which names nobody`);
    else return ok(host);
  }
  const why = refused.length === 0 ? 'the card has no interface URL and no origin was given' : refused.join('; ');
  return fail('NAME_MALFORMED', `no namespace for the card: ${why}; pass origin.namespace`);
}

/** v1.0 `supportedInterfaces[0].url`, else v0.3 `url`, else `additionalInterfaces[0].url`. */
function firstInterfaceUrl(card: Record<string, unknown>): string | undefined {
  const [first] = Array.isArray(card.supportedInterfaces) ? card.supportedInterfaces : [];
  const [additional] = Array.isArray(card.additionalInterfaces) ? card.additionalInterfaces : [];
  return (
    (isRecord(first) ? nonEmpty(first.url) : undefined) ??
    nonEmpty(card.url) ??
    (isRecord(additional) ? nonEmpty(additional.url) : undefined)
  );
}

function hostOf(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  return host === '' ? undefined : host;
}

function isAnonymousHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host.startsWith('[') || /^\d+(?:\.\d+){3}$/.test(host);
}

// --- claims --------------------------------------------------------------------------------

type Fields = Record<string, unknown>;

/** Keeps what fits under `claims[key]`, everything else under `extra[key]`. */
class Split {
  readonly claims: Fields = {};
  readonly extra: Fields = {};

  keep(key: string, value: unknown, fitted: unknown): void {
    if (fitted === undefined) put(this.extra, key, value);
    else put(this.claims, key, fitted);
  }
}

function claimsOf(card: Record<string, unknown>): Fields {
  const split = new Split();
  for (const [key, value] of Object.entries(card)) {
    if (value === undefined) continue;
    switch (key) {
      case 'name':
        split.keep('label', value, fittedText(value, MAX_LABEL));
        break;
      case 'description':
        split.keep(key, value, fittedText(value, MAX_DESCRIPTION));
        break;
      case 'version':
      case 'protocolVersion':
      case 'preferredTransport':
        split.keep(key, value, shortText(value, MAX_SHORT));
        break;
      case 'url':
      case 'documentationUrl':
      case 'iconUrl':
        split.keep(key, value, urlText(value));
        break;
      case 'defaultInputModes':
      case 'defaultOutputModes':
        split.keep(key, value, stringList(value, 32, 256));
        break;
      case 'securitySchemes':
        split.keep(key, value, isRecord(value) ? value : undefined);
        break;
      case 'security':
        split.keep(key, value, Array.isArray(value) ? value : undefined);
        break;
      case 'supportsAuthenticatedExtendedCard':
        split.keep(key, value, typeof value === 'boolean' ? value : undefined);
        break;
      case 'signatures':
        split.keep(key, value, Array.isArray(value) && value.length <= 8 && value.every(isRecord) ? value : undefined);
        break;
      case 'provider':
        nested(split, key, value, mapProvider);
        break;
      case 'capabilities':
        nested(split, key, value, mapCapabilities);
        break;
      case 'skills':
        nested(split, key, value, mapSkills);
        break;
      case 'supportedInterfaces':
        nested(split, key, value, (v) => mapInterfaces(v, ['url', 'protocolBinding'], { protocolVersion: MAX_SHORT, tenant: 256 }));
        break;
      case 'additionalInterfaces':
        nested(split, key, value, (v) => mapInterfaces(v, ['url', 'transport'], {}));
        break;
      default:
        put(split.extra, key, value);
    }
  }
  return {
    ...split.claims,
    tags: ['a2a'],
    ...(Object.keys(split.extra).length === 0 ? {} : { extensions: { a2a: split.extra } }),
  };
}

/** A mapper returns what fits (undefined if nothing) and what does not (undefined if all fits). */
type Mapped = { readonly fits?: unknown; readonly rest?: unknown };

function nested(split: Split, key: string, value: unknown, map: (value: unknown) => Mapped): void {
  const { fits, rest } = map(value);
  if (fits !== undefined) put(split.claims, key, fits);
  if (rest !== undefined) put(split.extra, key, rest);
}

/** Copy the fields whose check returns a value; the others (and unknown ones) become the rest. */
function mapObject(value: unknown, checks: Readonly<Record<string, (v: unknown) => unknown>>): Mapped {
  if (!isRecord(value)) return { rest: value };
  const fits: Fields = {};
  const rest: Fields = {};
  for (const [field, fieldValue] of Object.entries(value)) {
    const check = Object.hasOwn(checks, field) ? checks[field] : undefined;
    const fitted = check === undefined ? undefined : check(fieldValue);
    put(fitted === undefined ? rest : fits, field, fitted === undefined ? fieldValue : fitted);
  }
  return {
    ...(Object.keys(fits).length === 0 ? {} : { fits }),
    ...(Object.keys(rest).length === 0 ? {} : { rest }),
  };
}

const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);
const text = (max: number) => (v: unknown) => shortText(v, max);

function mapProvider(value: unknown): Mapped {
  return mapObject(value, { organization: (v) => fittedText(v, 256), url: urlText });
}

function mapCapabilities(value: unknown): Mapped {
  return mapObject(value, {
    streaming: bool,
    pushNotifications: bool,
    stateTransitionHistory: bool,
    extendedAgentCard: bool,
    extensions: (v) => (Array.isArray(v) && v.length <= 32 && v.every(isRecord) ? v : undefined),
  });
}

const SKILL_FIELDS: Readonly<Record<string, (v: unknown) => unknown>> = {
  id: (v) => (typeof v === 'string' && v.length >= 1 ? shortText(v, 128) : undefined),
  name: (v) => fittedText(v, MAX_LABEL),
  description: (v) => fittedText(v, MAX_SKILL_DESCRIPTION),
  tags: (v) => stringList(v, 64, 256),
  examples: (v) => (Array.isArray(v) && v.length <= 32 && v.every((e) => typeof e === 'string') ? v.map((e: string) => truncateText(e, 2048)) : undefined),
  inputModes: (v) => stringList(v, 32, 256),
  outputModes: (v) => stringList(v, 32, 256),
  security: (v) => (Array.isArray(v) ? v : undefined),
};

/**
 * Skills that have a usable id are kept with the fields that fit; their leftovers go to
 * `extensions.a2a.skills[<id>]`, and a skill without a usable id goes there whole under `#<index>`.
 */
function mapSkills(value: unknown): Mapped {
  if (!Array.isArray(value)) return { rest: value };
  const fits: Fields[] = [];
  const rest: Fields = {};
  for (const [index, skill] of value.entries()) {
    const mapped = mapObject(skill, SKILL_FIELDS);
    const fitted = mapped.fits as Fields | undefined;
    const id = fitted?.id;
    if (typeof id !== 'string' || fits.length >= MAX_SKILLS) {
      put(rest, `#${index}`, skill);
      continue;
    }
    fits.push(fitted as Fields);
    if (mapped.rest !== undefined) put(rest, Object.hasOwn(rest, id) ? `${id}#${index}` : id, mapped.rest);
  }
  return {
    ...(fits.length === 0 ? {} : { fits }),
    ...(Object.keys(rest).length === 0 ? {} : { rest }),
  };
}

/**
 * Interfaces with their required fields are kept with the fields that fit; leftovers (and whole
 * interfaces missing a required field) go to `extensions.a2a.<key>[<index>]`.
 */
function mapInterfaces(value: unknown, required: readonly [string, string], optional: Readonly<Record<string, number>>): Mapped {
  if (!Array.isArray(value)) return { rest: value };
  const [urlField, kindField] = required;
  const checks: Record<string, (v: unknown) => unknown> = { [urlField]: urlText, [kindField]: text(MAX_SHORT) };
  for (const [field, max] of Object.entries(optional)) checks[field] = text(max);
  const fits: Fields[] = [];
  const rest: Fields = {};
  for (const [index, item] of value.entries()) {
    const mapped = mapObject(item, checks);
    const fitted = mapped.fits as Fields | undefined;
    if (fitted === undefined || fitted[urlField] === undefined || fitted[kindField] === undefined || fits.length >= MAX_INTERFACES) {
      put(rest, String(index), item);
      continue;
    }
    fits.push(fitted);
    if (mapped.rest !== undefined) put(rest, String(index), mapped.rest);
  }
  return {
    ...(fits.length === 0 ? {} : { fits }),
    ...(Object.keys(rest).length === 0 ? {} : { rest }),
  };
}
