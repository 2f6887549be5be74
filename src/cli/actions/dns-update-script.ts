/**
 * `signpost dns update-script`: the nsupdate script that publishes one signed document through the
 * DNS face (RFC 2136 UPDATE, faces/dns/dns-update.ts). Offline: it signs with the agent key and
 * prints, so the registry is reached only by nsupdate, with the TSIG key the operator handed out.
 * The sequence comes from the clock (hybrid, like every write's), so it is above any record the
 * same key wrote before without asking the registry.
 */
import { nsupdateScript, type UpdateDocumentKind } from '../../app/dns-update-script.js';
import { SignpostError } from '../../core/errors.js';
import { parseAgentName } from '../../core/name/index.js';
import { checkDeployment, createDeployment, type DeploymentInstance } from '../../core/record/deployment.js';
import { createRegistration, createStatusChange, createTombstone } from '../../core/record/registration.js';
import { nextSequence } from '../../core/record/sequence.js';
import type { AgentStatusChange } from '../../core/record/types.js';
import { didOfKeyArgument } from '../agent-writes.js';
import { unwrap } from '../cli-context.js';
import { readJsonFile } from '../input-files.js';
import { readSigningKey } from '../secret-files.js';
import { claimsOf } from './register.js';

export interface UpdateScriptFlags {
  key: string;
  publicUrl?: string;
  endpoint: string[];
  facts?: string;
  label?: string;
  description?: string;
  ttl: string;
  nextKey?: string;
  deployment?: string;
  status?: string;
  reason?: string;
  deregister?: boolean;
  release?: boolean;
  server?: string;
}

const STATUS_ACTIONS: readonly AgentStatusChange['action'][] = ['revoke', 'suspend', 'reinstate'];

export async function updateScript(input: string, flags: UpdateScriptFlags): Promise<void> {
  const name = unwrap(parseAgentName(input)).canonical;
  const { kind, document } = await signedDocument(name, flags);
  process.stdout.write(nsupdateScript(name, kind, document, flags.server));
}

/** The document the flags ask for, signed with the key: a registration unless --deployment, --status or --deregister says otherwise. */
async function signedDocument(name: string, flags: UpdateScriptFlags): Promise<{ kind: UpdateDocumentKind; document: unknown }> {
  const chosen = [flags.deployment !== undefined, flags.status !== undefined, flags.deregister === true].filter(Boolean).length;
  if (chosen > 1) throw new SignpostError('REQUEST_INVALID', '--deployment, --status and --deregister exclude each other: one document per UPDATE');
  const key = await readSigningKey(flags.key);
  const now = Date.now();
  if (flags.deployment !== undefined) {
    const deployment = createDeployment(key, name, unwrap(await readJsonFile(flags.deployment)) as DeploymentInstance[], now);
    unwrap(checkDeployment(deployment.payload));
    return { kind: 'deployment', document: deployment };
  }
  if (flags.status !== undefined) {
    const action = flags.status as AgentStatusChange['action'];
    if (!STATUS_ACTIONS.includes(action)) throw new SignpostError('REQUEST_INVALID', `--status takes ${STATUS_ACTIONS.join(', ')}, got "${flags.status}"`);
    if (flags.reason === undefined) throw new SignpostError('REQUEST_INVALID', '--status needs --reason (shown to everyone who resolves the agent)');
    return { kind: 'status-change', document: createStatusChange(key, name, action, flags.reason, now) };
  }
  if (flags.deregister) return { kind: 'tombstone', document: createTombstone(key, name, nextSequence(now), flags.release ?? false) };
  if (flags.publicUrl === undefined || !URL.canParse(flags.publicUrl)) throw new SignpostError('REQUEST_INVALID', "a registration needs --public-url, the registry's URL (its factsUrl points there)");
  const ttl = Number(flags.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new SignpostError('REQUEST_INVALID', '--ttl must be a positive whole number of seconds');
  const claims = unwrap(await claimsOf(flags));
  const factsUrl = `${flags.publicUrl.replace(/\/+$/, '')}/v1/agents/${encodeURIComponent(name)}/facts`;
  const nextKey = flags.nextKey === undefined ? {} : { nextKey: await didOfKeyArgument(flags.nextKey) };
  return { kind: 'registration', document: createRegistration({ key, name, claims, factsUrl, seq: nextSequence(now), nowMs: now, ttl, ...nextKey }) };
}
