/**
 * The TSIG keys of `serve --dns-tsig-key-file`: a file, not a flag, because a secret on the
 * command line is visible to every user of the machine (`ps`, /proc/<pid>/cmdline). It takes the
 * two forms operators already have:
 *
 *   # name:algorithm:base64-secret, one a line
 *   transfer-key:hmac-sha256:c2lnbnBvc3QtdHNpZy10ZXN0LXNlY3JldC0zMi1ieXRlcyE=
 *
 *   # BIND's key statement, as `tsig-keygen` prints it (also what Knot's keymgr -t gives as a kdig -y line)
 *   key "transfer-key" { algorithm hmac-sha256; secret "c2lnbnBvc3Qt..."; };
 */
import { fail, ok, type Result } from '../../core/errors.js';
import { TSIG_ALGORITHMS, type TsigAlgorithm, type TsigKey } from './tsig.js';

/** Shorter secrets are refused: RFC 8945 section 6 asks for keys no shorter than the HMAC's output; 16 bytes is our floor for any. */
const MIN_SECRET_BYTES = 16;
const KEY_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const BIND_KEY = /key\s+"?([^"\s{]+)"?\s*\{([^}]*)\}\s*;?/g;

/** The keys of a TSIG key file's text; `source` names the file in every error. */
export function parseTsigKeys(text: string, source: string): Result<TsigKey[]> {
  const keys: TsigKey[] = [];
  const add = (name: string, algorithm: string, secret: string, line: number): string | undefined => {
    const key = tsigKeyOf(name, algorithm, secret);
    if (typeof key === 'string') return `${source}:${line}: ${key}`;
    if (keys.some((known) => known.name === key.name)) return `${source}:${line}: key ${key.name} is defined twice`;
    keys.push(key);
    return undefined;
  };
  // Comments go first (BIND's # and //, and our #), blanked so line numbers stay right.
  // (`//` only after a space or at a line's start: base64 secrets hold slashes.)
  const uncommented = text.replace(/(^|\s)(#|\/\/)[^\n]*/gm, '$1');
  const lineAt = (offset: number) => uncommented.slice(0, offset).split('\n').length;
  for (const match of uncommented.matchAll(BIND_KEY)) {
    const algorithm = /algorithm\s+"?([\w-]+)"?\s*;/.exec(match[2]!)?.[1] ?? '';
    const secret = /secret\s+"([^"]*)"\s*;/.exec(match[2]!)?.[1] ?? '';
    const problem = add(match[1]!, algorithm, secret, lineAt(match.index));
    if (problem !== undefined) return fail('KEY_FILE_INVALID', problem);
  }
  const rest = uncommented.replace(BIND_KEY, (statement) => statement.replace(/[^\n]/g, ''));
  for (const [index, raw] of rest.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const parts = line.split(':');
    if (parts.length !== 3) return fail('KEY_FILE_INVALID', `${source}:${index + 1}: expected name:algorithm:base64-secret or a BIND key statement, got "${line.slice(0, 40)}"`);
    const problem = add(parts[0]!, parts[1]!, parts[2]!, index + 1);
    if (problem !== undefined) return fail('KEY_FILE_INVALID', problem);
  }
  if (keys.length === 0) return fail('KEY_FILE_INVALID', `${source} holds no TSIG key`);
  return ok(keys);
}

/** The key, or why not (the secret is never echoed). */
function tsigKeyOf(rawName: string, rawAlgorithm: string, rawSecret: string): TsigKey | string {
  const name = rawName.trim().toLowerCase().replace(/\.$/, '');
  if (!KEY_NAME.test(name)) return `key name "${rawName.trim()}" is not a domain name`;
  const algorithm = rawAlgorithm.trim().toLowerCase();
  if (!Object.hasOwn(TSIG_ALGORITHMS, algorithm)) return `key ${name}: algorithm "${rawAlgorithm.trim()}" is not one of ${Object.keys(TSIG_ALGORITHMS).join(', ')}`;
  const secretText = rawSecret.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(secretText) || secretText.length % 4 !== 0) return `key ${name}: the secret is not base64`;
  const secret = Buffer.from(secretText, 'base64');
  if (secret.length < MIN_SECRET_BYTES) return `key ${name}: the secret has ${secret.length} bytes, fewer than ${MIN_SECRET_BYTES}`;
  return { name, algorithm: algorithm as TsigAlgorithm, secret };
}
