/**
 * Agent names: `agent://<namespace>/<path>`.
 *
 * A name says *who* an agent is, never *how* to reach it: protocol, version and environment that
 * some foreign spellings carry are returned as hints beside the name and never become part of it,
 * so that one agent keeps one name however it is reached.
 *
 * Parsing runs as small stages, each returning a Result so that bad input never throws:
 *   prepare (cap, trim, ASCII) → detect form → split into raw labels → validate labels
 *   → check the DNS length → build.
 * Every name maps to a DNS owner name (`<path reversed>._agents.<namespace>`), so the label and
 * length rules are the DNS ones: a name that parses here can always be published in DNS.
 */

import { fail, failWith, ok, problem, type Problem, type Result } from '../errors.js';

export interface AgentName {
  /** DNS name of one or more lowercase LDH labels, without a trailing dot. */
  readonly namespace: string;
  /** One or more lowercase LDH labels, outermost first. */
  readonly path: readonly string[];
}

/** What a foreign spelling said about *how* to reach the agent; context only, never identity. */
export interface NameHints {
  readonly protocol?: string;
  readonly version?: string;
  readonly environment?: string;
}

export type NameForm = 'agent' | 'urn' | 'email' | 'https' | 'ans-v1' | 'ans-v2';

export interface ParsedName {
  readonly name: AgentName;
  readonly canonical: string;
  readonly hints: NameHints;
  readonly form: NameForm;
}

// --- limits and vocabulary -----------------------------------------------------------------

/** Far above any valid name (≤ 253 octets); keeps hostile input from costing a full scan. */
const MAX_INPUT_LENGTH = 2048;
const MAX_LABEL_OCTETS = 63;
/** RFC 1035 limits a name to 255 octets on the wire, which is 253 in dotted text without the root dot. */
const MAX_DNS_OCTETS = 253;
/** The underscore keeps this label out of the LDH host-name space, so it cannot clash with a host. */
const AGENTS_LABEL = '_agents';
const ANS_V1_PROTOCOLS: ReadonlySet<string> = new Set(['a2a', 'mcp', 'acp', 'anp', 'https', 'http', 'grpc', 'ws', 'wss']);
const ACCEPTED_FORMS =
  'agent://<namespace>/<path>, urn:agent:<namespace>:<path>, agent:<namespace>:<path>, <path reversed, dotted>@<namespace>, ' +
  'https://<namespace>/agent/<path>, https://agent.<namespace>?path=<a:b>, https://<namespace>/agent?path=<a:b>, <protocol>://<agent>.<capability>.<provider>.v<version>.<env> or ' +
  'ans://v<semver>.<agent>.<namespace>';
const LABEL_RULE = 'labels may contain only letters a-z, digits 0-9 and hyphens that are neither first nor last';

// --- public API ----------------------------------------------------------------------------

/** Parse any accepted spelling of an agent name into its canonical form plus context hints. */
export function parseAgentName(input: string): Result<ParsedName> {
  const text = prepare(input);
  if (!text.ok) return text;
  const detected = detectForm(text.value);
  if (!detected.ok) return detected;
  const raw = splitForm(detected.value);
  if (!raw.ok) return raw;
  const name = checkName(raw.value);
  if (!name.ok) return name;
  return ok(buildParsed(name.value, raw.value.hints, detected.value.form));
}

/** The canonical `agent://` spelling. Expects a name that came out of this module (it does not re-validate). */
export function formatAgentName(name: AgentName): string {
  return `agent://${name.namespace}/${name.path.join('/')}`;
}

/** `agent://acme.com/billing/invoices` → `invoices.billing._agents.acme.com` (no trailing dot). */
export function toDnsOwnerName(name: AgentName): string {
  return [...[...name.path].reverse(), AGENTS_LABEL, name.namespace].join('.');
}

/** Inverse of toDnsOwnerName; case-insensitive and tolerant of a trailing root dot, as DNS is. */
export function fromDnsOwnerName(owner: string): Result<AgentName> {
  const text = prepare(owner);
  if (!text.ok) return text;
  const labels = text.value.split('.');
  const marks = labels.flatMap((label, index) => (label.toLowerCase() === AGENTS_LABEL ? [index] : []));
  const first = marks[0];
  if (first === undefined) {
    return fail(
      'NAME_MALFORMED',
      `the DNS owner name ${quote(text.value)} has no ${AGENTS_LABEL} label; agent owner names look like <path labels reversed>.${AGENTS_LABEL}.<namespace>`,
    );
  }
  if (marks.length > 1) {
    return fail(
      'NAME_MALFORMED',
      `the DNS owner name ${quote(text.value)} has ${marks.length} ${AGENTS_LABEL} labels (at label positions ${marks.map((m) => m + 1).join(', ')}); exactly one is allowed`,
    );
  }
  if (first === 0) {
    return fail('NAME_MISSING_PATH', `the DNS owner name ${quote(text.value)} has no path label left of ${AGENTS_LABEL}`);
  }
  if (first === labels.length - 1) {
    return fail('NAME_MALFORMED', `the DNS owner name ${quote(text.value)} has no namespace right of ${AGENTS_LABEL}`);
  }
  // The namespace keeps a possible trailing root dot here; checkName drops it, exactly once.
  return checkName({ namespace: labels.slice(first + 1).join('.'), path: labels.slice(0, first).reverse() });
}

export function canonicalAgentName(input: string): Result<string> {
  const parsed = parseAgentName(input);
  return parsed.ok ? ok(parsed.value.canonical) : parsed;
}

/** `urn:agent:acme.com:billing:invoices`. Expects a name that came out of this module. */
export function toUrn(name: AgentName): string {
  return `urn:agent:${name.namespace}:${name.path.join(':')}`;
}

/** True iff the input is already exactly its canonical form (no case, whitespace or form changes). */
export function isCanonicalAgentName(input: string): boolean {
  if (typeof input !== 'string') return false;
  const canonical = canonicalAgentName(input);
  return canonical.ok && canonical.value === input;
}

// --- stage 1: prepare ----------------------------------------------------------------------

/**
 * Everything later assumes ASCII: lowercasing non-ASCII can turn a foreign letter into an ASCII one
 * (KELVIN SIGN → "k"), which would let look-alike names collide. So non-ASCII is refused before any
 * case folding, and only ASCII whitespace is trimmed for the same reason.
 */
function prepare(input: unknown): Result<string> {
  if (typeof input !== 'string') {
    return fail('NAME_MALFORMED', `expected the agent name as a string, got ${input === null ? 'null' : typeof input}`);
  }
  if (input.length > MAX_INPUT_LENGTH) {
    return fail(
      'NAME_TOO_LONG',
      `the input is ${input.length} characters long; names longer than ${MAX_INPUT_LENGTH} characters are refused unread (a valid name maps to at most ${MAX_DNS_OCTETS} octets)`,
    );
  }
  const text = trimAsciiWhitespace(input);
  if (text === '') {
    return fail('NAME_EMPTY', input === '' ? 'the agent name is an empty string' : 'the agent name is only whitespace');
  }
  const nonAscii = findNonAscii(text);
  return nonAscii === undefined ? ok(text) : failWith([nonAscii]);
}

function trimAsciiWhitespace(text: string): string {
  return text.replace(/^[ \t\n\r\f\v]+/, '').replace(/[ \t\n\r\f\v]+$/, '');
}

function findNonAscii(text: string): Problem | undefined {
  for (let offset = 0; offset < text.length; offset++) {
    if (text.charCodeAt(offset) > 0x7f) {
      const codePoint = text.codePointAt(offset) ?? 0;
      return problem(
        'NAME_BAD_CHARACTER',
        `the label ${quote(enclosingLabel(text, offset))} has the non-ASCII character ${describeChar(codePoint)} at position ${offset}; ` +
          'internationalised names must be given in their punycode form (xn--...), which is accepted as plain LDH',
      );
    }
  }
  return undefined;
}

/** The run of text around `offset` between name separators, to tell the user which label is wrong. */
function enclosingLabel(text: string, offset: number): string {
  const separators = '/.:@?#';
  let start = offset;
  while (start > 0 && !separators.includes(text.charAt(start - 1))) start--;
  let end = offset;
  while (end < text.length && !separators.includes(text.charAt(end))) end++;
  return text.slice(start, end);
}

// --- stage 2: detect the form --------------------------------------------------------------

type Detected =
  | { readonly form: 'agent' | 'urn' | 'email' | 'ans-v2'; readonly body: string }
  | { readonly form: 'https'; readonly host: string; readonly path: string }
  | { readonly form: 'ans-v1'; readonly protocol: string; readonly host: string };

function detectForm(text: string): Result<Detected> {
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text);
  if (schemeMatch === null) {
    if (text.includes('@')) return ok({ form: 'email', body: text });
    return fail('NAME_MALFORMED', `${quote(text)} fits no accepted form; expected ${ACCEPTED_FORMS}`);
  }
  const written = schemeMatch[1] ?? '';
  const scheme = written.toLowerCase();
  const afterColon = text.slice(written.length + 1);
  if (scheme === 'urn') return detectUrn(afterColon);
  if (scheme !== 'agent' && scheme !== 'ans' && !ANS_V1_PROTOCOLS.has(scheme)) {
    return fail(
      'NAME_UNKNOWN_SCHEME',
      `the scheme ${quote(written)} is not one Signpost knows; accepted: agent://, urn:agent:, https:// and http:// (…/agent/<path>), ans://, and ANS names over ${[...ANS_V1_PROTOCOLS].join(', ')}`,
    );
  }
  // The URN-like form of the dynamic-resolution paper: agent:<namespace>:<path labels joined by ":">.
  if (scheme === 'agent' && !afterColon.startsWith('//')) {
    if (afterColon.includes('/')) return fail('NAME_MALFORMED', `a name with the scheme "agent:" continues with "//" (agent://<namespace>/<path>) or is agent:<namespace>:<path>, not ${quote(text)}`);
    return ok({ form: 'urn', body: afterColon });
  }
  if (!afterColon.startsWith('//')) {
    return fail('NAME_MALFORMED', `a name with the scheme ${quote(written)} must continue with "//" after "${written}:"`);
  }
  const body = afterColon.slice(2);
  if (scheme === 'agent') return ok({ form: 'agent', body });
  if (scheme === 'ans') return ok({ form: 'ans-v2', body });
  if (scheme === 'https' || scheme === 'http') return detectWebForm(written, body);
  return ok({ form: 'ans-v1', protocol: scheme, host: body });
}

function detectUrn(afterUrn: string): Result<Detected> {
  const nid = afterUrn.split(':', 1)[0] ?? '';
  if (nid.toLowerCase() !== 'agent') {
    return fail('NAME_UNKNOWN_SCHEME', `the URN namespace ${quote(nid)} is not one Signpost knows; only urn:agent: names are accepted`);
  }
  return ok({ form: 'urn', body: afterUrn.slice(nid.length + 1) });
}

/**
 * `https://acme.com/agent/a/b` and `https://a.cap.acme.com.v1.prod` share a scheme; the shape decides:
 * an ANS v1 name has no path and a host ending in `.v<digits>(.<digits>)*.<env>`.
 */
function detectWebForm(scheme: string, body: string): Result<Detected> {
  const query = body.indexOf('?');
  if (query !== -1) return detectPathQuery(scheme, body.slice(0, query), body.slice(query + 1));
  const fragment = body.indexOf('#');
  if (fragment !== -1) {
    return fail('NAME_MALFORMED', `${scheme}:// names take no fragment, but one was given (${quote(body.slice(fragment))})`);
  }
  const slash = body.indexOf('/');
  const host = slash === -1 ? body : body.slice(0, slash);
  const path = slash === -1 ? '' : body.slice(slash);
  if (host.includes('@')) {
    return fail('NAME_MALFORMED', `${scheme}:// names take no user information, but the host part is ${quote(host)}`);
  }
  const port = host.indexOf(':');
  if (port !== -1) {
    return fail('NAME_MALFORMED', `${scheme}:// names take no port, but one was given (${quote(host.slice(port))}); a name says who, not how`);
  }
  if ((path === '' || path === '/') && findAnsV1Version(host.split('.')) !== undefined) {
    return ok({ form: 'ans-v1', protocol: scheme.toLowerCase(), host });
  }
  return ok({ form: 'https', host, path });
}

/**
 * The `?path=` forms of the dynamic-resolution paper: `https://agent.<namespace>?path=a:b` (a name
 * server at the namespace's `agent.` subdomain) and `https://<namespace>/agent?path=a:b` (behind an
 * `/agent` reverse proxy). The value's labels are joined by ":", optionally quoted and
 * percent-encoded; any other query is refused, as a name says who, not how.
 */
function detectPathQuery(scheme: string, location: string, query: string): Result<Detected> {
  const refused = () =>
    fail('NAME_MALFORMED', `${scheme}:// names take no query (${quote(`?${query}`)}) but ?path=<labels joined by ":">, and that only at https://agent.<namespace> or https://<namespace>/agent; a name says who, not how`);
  const match = /^path=([^&#]*)$/i.exec(query);
  if (match === null) return refused();
  let value: string;
  try {
    value = decodeURIComponent(match[1]!);
  } catch {
    return fail('NAME_MALFORMED', `the path ${quote(match[1]!)} is not valid percent-encoding`);
  }
  value = value.replace(/^(['"])(.*)\1$/, '$2');
  if (value === '') return fail('NAME_MISSING_PATH', `the name ${quote(`${location}?${query}`)} has an empty path`);
  const slash = location.indexOf('/');
  const host = slash === -1 ? location : location.slice(0, slash);
  const route = slash === -1 ? '' : dropOneTrailing(location.slice(slash), '/');
  if (host.includes('@') || host.includes(':')) return refused();
  const labels = value.split(':');
  if (route === '' || route === '/') {
    const subdomain = /^agent\.(.+)$/i.exec(host);
    return subdomain === null ? refused() : ok({ form: 'https', host: subdomain[1]!, path: `/agent/${labels.join('/')}` });
  }
  return route.toLowerCase() === '/agent' ? ok({ form: 'https', host, path: `/agent/${labels.join('/')}` }) : refused();
}

// --- stage 3: split each form into raw labels ----------------------------------------------

/** Labels as written (any case, not yet validated) plus whatever hints the form carried. */
interface RawName {
  readonly namespace: string;
  readonly path: readonly string[];
  readonly hints: NameHints;
}

function splitForm(detected: Detected): Result<RawName> {
  switch (detected.form) {
    case 'agent':
      return splitAgent(detected.body);
    case 'urn':
      return splitUrn(detected.body);
    case 'email':
      return splitEmail(detected.body);
    case 'https':
      return splitHttps(detected.host, detected.path);
    case 'ans-v1':
      return splitAnsV1(detected.protocol, detected.host);
    case 'ans-v2':
      return splitAnsV2(detected.body);
  }
}

function splitAgent(body: string): Result<RawName> {
  const trimmed = dropOneTrailing(body, '/');
  const slash = trimmed.indexOf('/');
  const namespace = slash === -1 ? trimmed : trimmed.slice(0, slash);
  if (namespace === '') return fail('NAME_MALFORMED', `agent:// must be followed by a namespace, but ${quote(`agent://${body}`)} has none`);
  const pathText = slash === -1 ? '' : trimmed.slice(slash + 1);
  if (pathText === '') {
    return fail('NAME_MISSING_PATH', `the name has the namespace ${quote(namespace)} but no path below it (agent://${namespace}/<path>)`);
  }
  return ok({ namespace, path: pathText.split('/'), hints: {} });
}

function splitUrn(body: string): Result<RawName> {
  const colon = body.indexOf(':');
  const namespace = colon === -1 ? body : body.slice(0, colon);
  if (namespace === '') return fail('NAME_MALFORMED', 'urn:agent: must be followed by a namespace, but none was given');
  const pathText = colon === -1 ? '' : body.slice(colon + 1);
  if (pathText === '') {
    return fail('NAME_MISSING_PATH', `the URN has the namespace ${quote(namespace)} but no path below it (urn:agent:${namespace}:<path>)`);
  }
  return ok({ namespace, path: pathText.split(':'), hints: {} });
}

/** The local part reads right to left like DNS: `invoices.billing@acme.com` is acme.com/billing/invoices. */
function splitEmail(body: string): Result<RawName> {
  const at = body.indexOf('@');
  if (body.lastIndexOf('@') !== at) return fail('NAME_MALFORMED', `${quote(body)} has more than one "@"; expected <path reversed, dotted>@<namespace>`);
  const local = body.slice(0, at);
  const namespace = body.slice(at + 1);
  if (namespace === '') return fail('NAME_MALFORMED', `${quote(body)} has nothing after "@"; expected <path reversed, dotted>@<namespace>`);
  if (local === '') return fail('NAME_MISSING_PATH', `${quote(body)} has the namespace ${quote(namespace)} but no path before "@"`);
  return ok({ namespace, path: local.split('.').reverse(), hints: {} });
}

function splitHttps(host: string, path: string): Result<RawName> {
  if (host === '') return fail('NAME_MALFORMED', 'the https:// name has no host; expected https://<namespace>/agent/<path>');
  const segments = dropOneTrailing(path, '/').split('/').slice(1);
  const [prefix, ...labels] = segments;
  if (prefix === undefined || prefix.toLowerCase() !== 'agent') {
    return fail(
      'NAME_MALFORMED',
      `an https:// name must have the path /agent/<path> or be an ANS name <agent>.<capability>.<provider>.v<version>.<env>, but the path is ${quote(path === '' ? '(none)' : path)}`,
    );
  }
  if (labels.length === 0) {
    return fail('NAME_MISSING_PATH', `the name has the namespace ${quote(host)} but no path below /agent/`);
  }
  return ok({ namespace: host, path: labels, hints: {} });
}

/**
 * Index of the `v<digits>` label in `<...>.v<digits>(.<digits>)*.<env>`, scanning from the right so a
 * provider that itself contains version-like labels still parses one way only. The environment must
 * not be all digits: otherwise `x.cap.acme.v2.1` (an ANS draft name without an environment) would be
 * silently read as version 2, environment "1".
 */
function findAnsV1Version(labels: readonly string[]): number | undefined {
  const env = labels[labels.length - 1];
  if (env === undefined || env === '' || /^\d+$/.test(env)) return undefined;
  let index = labels.length - 2;
  while (index >= 0 && /^\d+$/.test(labels[index] ?? '')) index--;
  return index >= 0 && /^v\d+$/i.test(labels[index] ?? '') ? index : undefined;
}

function splitAnsV1(protocol: string, body: string): Result<RawName> {
  const host = dropOneTrailing(body, '/');
  const shape = `${protocol}://<agent>.<capability>.<provider>.v<version>.<env>`;
  if (host.includes('/')) return fail('NAME_MALFORMED', `an ANS name ${shape} has no path, but ${quote(body)} does`);
  const labels = host.split('.');
  const versionIndex = findAnsV1Version(labels);
  if (versionIndex === undefined) {
    return fail('NAME_MALFORMED', `${quote(host)} does not end in .v<version>.<env>; expected ${shape}`);
  }
  if (versionIndex < 3) {
    return fail('NAME_MALFORMED', `${quote(host)} needs an agent, a capability and a provider before .v<version>; expected ${shape}`);
  }
  const environment = labels[labels.length - 1] ?? '';
  const envProblem = checkLabel(environment, 'the environment');
  if (envProblem !== undefined) return failWith([envProblem]);
  const version = [(labels[versionIndex] ?? '').slice(1), ...labels.slice(versionIndex + 1, -1)].join('.');
  return ok({
    namespace: labels.slice(2, versionIndex).join('.'),
    path: [labels[1] ?? '', labels[0] ?? ''],
    hints: { protocol, version, environment: environment.toLowerCase() },
  });
}

/**
 * `ans://v<semver>.<agent>.<namespace>`. Dots separate both semver prerelease identifiers and host
 * labels, so a prerelease continues only through all-digit labels (`-rc.1`): a host label is far
 * less likely to be all digits than a prerelease counter is.
 */
function splitAnsV2(body: string): Result<RawName> {
  const text = dropOneTrailing(body, '/');
  if (text.includes('/')) return fail('NAME_MALFORMED', `an ans:// name has no path, but ${quote(body)} does`);
  const labels = text.split('.');
  const version = readSemver(labels);
  if (!version.ok) return version;
  const host = labels.slice(version.value.consumed);
  // A single trailing empty label is the root dot, which checkName drops; it does not count as a label.
  const significant = host[host.length - 1] === '' ? host.length - 1 : host.length;
  if (significant === 0) return fail('NAME_MALFORMED', `the ans:// name ${quote(text)} has a version but no host after it`);
  if (significant === 1) {
    return fail(
      'NAME_MISSING_PATH',
      `the ans:// host ${quote(host.join('.'))} is a single label; its first label names the agent and the rest the namespace, so it needs at least two`,
    );
  }
  return ok({ namespace: host.slice(1).join('.'), path: [host[0] ?? ''], hints: { version: version.value.version } });
}

function readSemver(labels: readonly string[]): Result<{ readonly version: string; readonly consumed: number }> {
  const [major, minor, patchAndPre] = labels;
  const patch = /^(\d+)(?:-(.*))?$/.exec(patchAndPre ?? '');
  if (major === undefined || !/^v\d+$/i.test(major) || minor === undefined || !/^\d+$/.test(minor) || patch === null) {
    return fail(
      'NAME_MALFORMED',
      `an ans:// name starts with v<major>.<minor>.<patch>[-<prerelease>], but ${quote(labels.slice(0, 3).join('.'))} is not such a version`,
    );
  }
  const core = `${major.slice(1)}.${minor}.${patch[1] ?? ''}`;
  const firstPre = patch[2];
  if (firstPre === undefined) return ok({ version: core, consumed: 3 });
  const prerelease = [firstPre];
  let consumed = 3;
  while (consumed < labels.length && /^\d+$/.test(labels[consumed] ?? '')) prerelease.push(labels[consumed++] ?? '');
  const version = `${core}-${prerelease.join('.')}`;
  const where = `the prerelease of the version ${quote(version)}`;
  for (const identifier of prerelease) {
    const found = checkLabel(identifier, where);
    if (found !== undefined) return failWith([found]);
  }
  return ok({ version: version.toLowerCase(), consumed });
}

// --- stage 4: validate labels and lengths --------------------------------------------------

function checkName(raw: { readonly namespace: string; readonly path: readonly string[] }): Result<AgentName> {
  if (raw.namespace === '') return fail('NAME_MALFORMED', 'the name has no namespace');
  const namespace = dropOneTrailing(raw.namespace, '.');
  const namespaceLabels = namespace.split('.');
  for (const [index, label] of namespaceLabels.entries()) {
    const found = checkLabel(label, `label ${index + 1} of the namespace ${quote(raw.namespace)}`);
    if (found !== undefined) return failWith([found]);
  }
  for (const [index, label] of raw.path.entries()) {
    const found = checkLabel(label, `label ${index + 1} of the path ${quote(raw.path.join('/'))}`);
    if (found !== undefined) return failWith([found]);
  }
  // Every label is ASCII LDH by now, so toLowerCase folds ASCII letters only.
  const name: AgentName = Object.freeze({
    namespace: namespace.toLowerCase(),
    path: Object.freeze(raw.path.map((label) => label.toLowerCase())),
  });
  return checkLength(name);
}

/** `where` locates the label for the user, e.g. `label 2 of the path "billing/invoices"`. */
function checkLabel(label: string, where: string): Problem | undefined {
  if (label === '') return problem('NAME_EMPTY_LABEL', `${where} is empty`);
  const subject = `the label ${quote(label)} (${where})`;
  if (label.length > MAX_LABEL_OCTETS) {
    return problem('NAME_LABEL_TOO_LONG', `${subject} is ${label.length} octets long; a label may have at most ${MAX_LABEL_OCTETS}`);
  }
  for (let offset = 0; offset < label.length; offset++) {
    const code = label.charCodeAt(offset);
    if (!isLdhCode(code)) {
      return problem(
        'NAME_BAD_CHARACTER',
        `${subject} has the character ${describeChar(label.codePointAt(offset) ?? code)} at offset ${offset}; ${LABEL_RULE}`,
      );
    }
  }
  if (label.startsWith('-')) return problem('NAME_BAD_CHARACTER', `${subject} starts with the character "-"; ${LABEL_RULE}`);
  if (label.endsWith('-')) return problem('NAME_BAD_CHARACTER', `${subject} ends with the character "-"; ${LABEL_RULE}`);
  return undefined;
}

function isLdhCode(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x2d;
}

function checkLength(name: AgentName): Result<AgentName> {
  const owner = toDnsOwnerName(name);
  if (owner.length > MAX_DNS_OCTETS) {
    return fail(
      'NAME_TOO_LONG',
      `the DNS owner name of ${quote(formatAgentName(name))} (${quote(owner)}) is ${owner.length} octets long; at most ${MAX_DNS_OCTETS} are allowed`,
    );
  }
  return ok(name);
}

// --- stage 5: build ------------------------------------------------------------------------

function buildParsed(name: AgentName, hints: NameHints, form: NameForm): ParsedName {
  return Object.freeze({ name, canonical: formatAgentName(name), hints: Object.freeze({ ...hints }), form });
}

// --- helpers -------------------------------------------------------------------------------

function dropOneTrailing(text: string, suffix: string): string {
  return text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
}

/** JSON quoting shows control characters and lone surrogates as escapes; long text is shortened. */
function quote(text: string): string {
  const limit = 100;
  return JSON.stringify(text.length > limit ? `${text.slice(0, limit - 1)}…` : text);
}

function describeChar(codePoint: number): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  return `${JSON.stringify(String.fromCodePoint(codePoint))} (${hex})`;
}
