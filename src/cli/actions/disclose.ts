import { chmod, writeFile } from 'node:fs/promises';
import {
  checkDisclosureAtRegistry,
  fetchIssuerDidDocument,
  requestCapabilityCredential,
  verifyCapabilityDisclosure,
  type CapabilityDisclosureResult,
  type IssuerDidDocument,
} from '../../client/disclosure.js';
import { SignpostError } from '../../core/errors.js';
import { canonicalAgentName } from '../../core/name/index.js';
import { createCapabilityCredentialRequest, MAX_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS, MIN_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS } from '../../core/registry/registry-disclosure.js';
import { capabilityPointer, deriveDisclosure, type CapabilityCredential } from '../../core/trust/disclosure/capability-credential.js';
import { EXIT, exitCodeOf, formatProblems, unwrap } from '../cli-context.js';
import { parseDuration } from '../../app/duration.js';
import { readJsonFile } from '../input-files.js';
import { connectToRegistry, type RegistryConnection } from '../registry-connection.js';
import { readSigningKey, secretDestination, secretPath, warnIfCommittable } from '../secret-files.js';
import type { RegistryFlags } from '../commands/options.js';

export interface DiscloseRequestFlags extends RegistryFlags {
  key: string;
  out: string;
  capability: string[];
  validity?: string;
  json?: boolean;
}

export interface DiscloseDeriveFlags {
  capability: string[];
  out: string;
  challenge?: string;
}

export interface DiscloseVerifyFlags extends RegistryFlags {
  capability: string;
  didDocument?: string;
  online?: boolean;
  challenge?: string;
  json?: boolean;
}

export async function requestCredential(input: string, flags: DiscloseRequestFlags): Promise<void> {
  const validitySeconds = flags.validity === undefined ? undefined : unwrap(parseDuration(flags.validity, '--validity', { min: MIN_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS, max: MAX_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS }));
  const key = await readSigningKey(flags.key);
  const name = unwrap(canonicalAgentName(input));
  const out = await secretDestination(flags.out);
  const registry = await connectToRegistry(flags);
  const request = createCapabilityCredentialRequest({
    key,
    name,
    ...(flags.capability.length > 0 ? { capabilities: flags.capability } : {}),
    ...(validitySeconds === undefined ? {} : { validitySeconds }),
    nowMs: Date.now(),
  });
  const credential = unwrap(await requestCapabilityCredential(registry.url, request));

  // Check what came back before keeping it: a proof revealing everything verifies against the
  // registry's DID document (bound to its pinned key), for this agent.
  const document = await registryDidDocument(registry);
  const capabilities = Object.keys(credential.credentialSubject?.capabilities ?? {});
  const full = unwrap(await deriveDisclosure(credential, { selectivePointers: capabilities.map(capabilityPointer) }));
  const check = await verifyCapabilityDisclosure(full, { capability: capabilities[0] ?? '', issuerDidDocument: document });
  if (!check.verified) throw SignpostError.from(check.errors);
  if (check.subject?.id !== key.did || check.subject.name !== name) {
    throw new SignpostError('CREDENTIAL_INVALID', `the registry issued a credential about ${check.subject?.name} (${check.subject?.id}), not this agent`);
  }

  await writeFile(out, JSON.stringify(credential, null, 2) + '\n', { mode: 0o600 });
  await chmod(out, 0o600);
  const summary = { name, agentId: key.did, issuer: credential.issuer, capabilities, validFrom: credential.validFrom, validUntil: credential.validUntil, out };
  if (flags.json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  } else {
    process.stdout.write(
      `capability credential for ${name}\n` +
        `  capabilities: ${capabilities.join(', ')}\n` +
        `  issuer: ${credential.issuer} (key #bbs-1)\n` +
        `  valid: ${credential.validFrom} .. ${credential.validUntil}\n` +
        `  written to ${out} (mode 0600; keep it secret, show only derived proofs)\n`,
    );
  }
  await warnIfCommittable(out, 'a capability credential (whoever holds it can derive proofs)');
}

export async function deriveProof(file: string, flags: DiscloseDeriveFlags): Promise<void> {
  if (flags.capability.length === 0) throw new SignpostError('REQUEST_INVALID', 'give at least one --capability to reveal');
  const credential = unwrap(await readJsonFile(secretPath(file))) as CapabilityCredential;
  const derived = unwrap(
    await deriveDisclosure(credential, {
      selectivePointers: flags.capability.map(capabilityPointer),
      ...(flags.challenge === undefined ? {} : { presentationHeader: new TextEncoder().encode(flags.challenge) }),
    }),
  );
  await writeFile(flags.out, JSON.stringify(derived, null, 2) + '\n');
  const hidden = Object.keys(credential.credentialSubject?.capabilities ?? {}).filter((c) => !flags.capability.includes(c)).length;
  process.stdout.write(
    `derived a proof revealing ${flags.capability.join(', ')} (${hidden} other ${hidden === 1 ? 'capability' : 'capabilities'} hidden)\n` +
      `  it still shows the agent's did:key and name, the issuer and the validity dates\n` +
      `  written to ${flags.out}\n`,
  );
}

export async function verifyProof(file: string, flags: DiscloseVerifyFlags): Promise<void> {
  if (flags.online && flags.didDocument !== undefined) throw new SignpostError('REQUEST_INVALID', '--online and --did-document exclude each other');
  const derived = unwrap(await readJsonFile(file));
  const challenge = flags.challenge === undefined ? {} : { challenge: flags.challenge };
  let result: CapabilityDisclosureResult;
  if (flags.online) {
    // The verdict travels over plain HTTP in many setups: believe only the one the pinned key signed.
    const registry = await connectToRegistry(flags);
    result = unwrap(await checkDisclosureAtRegistry(registry.url, { credential: derived, capability: flags.capability, ...challenge }, { registryKey: registry.registryKey }));
  } else {
    const document = flags.didDocument === undefined ? await registryDidDocument(await connectToRegistry(flags)) : (unwrap(await readJsonFile(flags.didDocument)) as IssuerDidDocument);
    result = await verifyCapabilityDisclosure(derived, { capability: flags.capability, issuerDidDocument: document, ...challenge });
  }
  if (flags.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else if (result.verified) {
    process.stdout.write(
      `verified: ${result.subject?.name ?? result.subject?.id} may ${flags.capability}\n` +
        `  agent: ${result.subject?.id}\n  revealed: ${result.revealed.join(', ')}\n` +
        `  issuer: ${result.issuer}\n  valid until: ${result.validUntil}\n`,
    );
  } else {
    process.stdout.write(`NOT verified\n`);
    process.stderr.write(formatProblems(result.errors) + '\n');
  }
  if (!result.verified) process.exitCode = result.errors.length === 0 ? EXIT.refused : exitCodeOf(result.errors);
}

/**
 * The registry's DID document, believed only as far as its pinned (or given) key vouches for it:
 * it asserts with that key, and its #bbs-1 is the key the registry signed with it (the
 * DisclosureKeyBinding of GET /v1/registry). A document with another #bbs-1 is refused.
 */
async function registryDidDocument(registry: RegistryConnection): Promise<IssuerDidDocument> {
  return unwrap(await fetchIssuerDidDocument(registry.url, { registryKey: registry.registryKey }));
}
