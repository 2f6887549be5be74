/**
 * The nsupdate script that sends one signed document as an RFC 2136 UPDATE to the DNS face
 * (faces/dns/dns-update.ts): `signpost dns update-script` signs the document, this writes the lines.
 */
import { SignpostError } from '../core/errors.js';
import { toDnsOwnerName } from '../core/name/agent-name.js';
import { parseAgentName } from '../core/name/index.js';
import { updateTxtStrings, type UpdateDocumentKind } from '../faces/dns/dns-update.js';
import { AGENTS_ZONE_LABEL } from '../faces/dns/zone-view.js';

export type { UpdateDocumentKind };

/**
 * `server` (if given), `zone _agents.<namespace>`, `update add <node> 0 TXT "signpost-v1 <kind>"
 * "…"` and `send`, after a comment line; the TXT's TTL is 0 because it is never stored.
 */
export function nsupdateScript(name: string, kind: UpdateDocumentKind, document: unknown, server?: string): string {
  const parsed = parseAgentName(name);
  if (!parsed.ok) throw SignpostError.from(parsed.problems);
  const strings = updateTxtStrings(kind, document);
  return [
    `; ${kind} of ${parsed.value.canonical}: nsupdate -k TSIG-KEY-FILE < this (the TXT is not stored: the registry checks the signed document and serves what it makes)`,
    ...(server === undefined ? [] : [`server ${serverLine(server)}`]),
    `zone ${AGENTS_ZONE_LABEL}.${parsed.value.name.namespace}`,
    `update add ${toDnsOwnerName(parsed.value.name)} 0 TXT ${strings.map((text) => `"${text}"`).join(' ')}`,
    'send',
    '',
  ].join('\n');
}

/** nsupdate's `server HOST [PORT]` from HOST, HOST:PORT or [IPv6]:PORT. */
function serverLine(server: string): string {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:\s[\]]+))(?::(\d{1,5}))?$/i.exec(server);
  if (!match || Number(match[3] ?? 53) > 65_535) throw new SignpostError('REQUEST_INVALID', `--server takes HOST, HOST:PORT or [IPv6]:PORT, got "${server}"`);
  return [match[1] ?? match[2], match[3]].filter(Boolean).join(' ');
}
