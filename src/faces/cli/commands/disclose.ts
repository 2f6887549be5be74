import { chmod, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  checkDisclosureAtRegistry,
  fetchIssuerDidDocument,
  requestCapabilityCredential,
  verifyCapabilityDisclosure,
  type CapabilityDisclosureResult,
  type IssuerDidDocument,
} from '../../../client/disclosure.js';
import { RegistryClient } from '../../../client/registry-client.js';
import { SignpostError } from '../../../core/errors.js';
import { canonicalAgentName } from '../../../core/name/index.js';
import { createCapabilityCredentialRequest, MAX_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS, MIN_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS } from '../../../core/registry/registry-disclosure.js';
import { capabilityPointer, deriveDisclosure, type CapabilityCredential } from '../../../core/trust/disclosure/capability-credential.js';
import { readKeyFile } from '../../../app/key-file.js';
import { EXIT, exitCodeOf, formatProblems, registryUrlOf, trustedRegistryKey, unwrap } from '../cli-context.js';
import { parseDuration } from '../duration.js';
import { readJsonFile } from '../json-file.js';

interface RequestFlags {
  key: string;
  out: string;
  capability: string[];
  validity?: string;
  registry?: string;
  registryKey?: string;
  json?: boolean;
}

interface DeriveFlags {
  capability: string[];
  out: string;
  challenge?: string;
}

interface VerifyFlags {
  capability: string;
  registry?: string;
  registryKey?: string;
  didDocument?: string;
  online?: boolean;
  challenge?: string;
  json?: boolean;
}

const REGISTRY_OPTION = 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)';

/**
 * Selective disclosure with bbs-2023: the agent gets a capability credential from the registry
 * (`request`), derives a proof revealing one capability offline (`derive`), and anyone checks it
 * (`verify`) against the registry's DID document.
 */
export function discloseCommand(program: Command): void {
  const disclose = program
    .command('disclose')
    .description('selective disclosure (bbs-2023): prove one granted capability without revealing the others');

  disclose
    .command('request')
    .description('ask the registry for a capability credential carrying the granted capabilities; signed by the agent key')
    .argument('<name>', 'agent name')
    .requiredOption('-k, --key <file>', 'the agent key (from signpost keygen) the name is bound to')
    .requiredOption('-o, --out <file>', 'where to write the credential (JSON, mode 0600: whoever holds it can derive proofs)')
    .option('-c, --capability <token>', 'a granted capability the credential should carry (repeatable; default: every granted one)', collect, [])
    .option('--validity <duration>', 'how long it is valid: 90s, 30m, 1h, 24h (default: the registry setting, 24h unless configured)')
    .option('-r, --registry <url>', REGISTRY_OPTION)
    .option('--registry-key <did>', 'pin the registry key explicitly (default: the key pinned on first use)')
    .option('--json', 'print the credential summary as JSON')
    .action(async (input: string, flags: RequestFlags) => {
      const validitySeconds = flags.validity === undefined ? undefined : unwrap(parseDuration(flags.validity, '--validity', { min: MIN_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS, max: MAX_CAPABILITY_CREDENTIAL_VALIDITY_SECONDS }));
      const key = await readKeyFile(flags.key);
      const name = unwrap(canonicalAgentName(input));
      const registryUrl = registryUrlOf(flags.registry);
      const request = createCapabilityCredentialRequest({
        key,
        name,
        ...(flags.capability.length > 0 ? { capabilities: flags.capability } : {}),
        ...(validitySeconds === undefined ? {} : { validitySeconds }),
        nowMs: Date.now(),
      });
      const credential = unwrap(await requestCapabilityCredential(registryUrl, request));

      // Check what came back before keeping it: a proof revealing everything verifies against the
      // registry's DID document (bound to its pinned key), for this agent.
      const document = await registryDidDocument(registryUrl, flags.registryKey);
      const capabilities = Object.keys(credential.credentialSubject?.capabilities ?? {});
      const full = unwrap(await deriveDisclosure(credential, { selectivePointers: capabilities.map(capabilityPointer) }));
      const check = await verifyCapabilityDisclosure(full, { capability: capabilities[0] ?? '', issuerDidDocument: document });
      if (!check.verified) throw SignpostError.from(check.errors);
      if (check.subject?.id !== key.did || check.subject.name !== name) {
        throw new SignpostError('CREDENTIAL_INVALID', `the registry issued a credential about ${check.subject?.name} (${check.subject?.id}), not this agent`);
      }

      await writeFile(flags.out, JSON.stringify(credential, null, 2) + '\n', { mode: 0o600 });
      await chmod(flags.out, 0o600);
      const summary = { name, agentId: key.did, issuer: credential.issuer, capabilities, validFrom: credential.validFrom, validUntil: credential.validUntil, out: flags.out };
      if (flags.json) {
        process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        `capability credential for ${name}\n` +
          `  capabilities: ${capabilities.join(', ')}\n` +
          `  issuer: ${credential.issuer} (key #bbs-1)\n` +
          `  valid: ${credential.validFrom} .. ${credential.validUntil}\n` +
          `  written to ${flags.out} (mode 0600; keep it secret, show only derived proofs)\n`,
      );
    });

  disclose
    .command('derive')
    .description('holder side, offline: derive a proof from the credential that reveals only the capabilities given')
    .argument('<credential>', 'the credential file from disclose request')
    .requiredOption('-c, --capability <token>', 'a capability to reveal (repeatable)', collect, [])
    .requiredOption('-o, --out <file>', 'where to write the derived proof (JSON, to give to the verifier)')
    .option('--challenge <text>', "bind the proof to the verifier's challenge (it must pass the same text)")
    .action(async (file: string, flags: DeriveFlags) => {
      if (flags.capability.length === 0) throw new SignpostError('REQUEST_INVALID', 'give at least one --capability to reveal');
      const credential = unwrap(await readJsonFile(file)) as CapabilityCredential;
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
    });

  disclose
    .command('verify')
    .description("verifier side: check a derived proof against the registry's DID document and require one capability")
    .argument('<proof>', 'the derived proof file')
    .requiredOption('-c, --capability <token>', 'the capability the proof must reveal')
    .option('-r, --registry <url>', REGISTRY_OPTION)
    .option('--registry-key <did>', 'pin the registry key explicitly (default: the key pinned on first use)')
    .option('--did-document <file>', "the issuer's DID document, saved earlier: verify fully offline (the file is trusted as it is; save it from a checked fetch)")
    .option(
      '--online',
      'ask the registry to verify instead: it also checks that the agent is still active and granted the capability; its verdict counts only when signed by the pinned registry key',
    )
    .option('--challenge <text>', 'the challenge the proof must be bound to')
    .option('--json', 'print {verified, revealed, errors, …} as JSON')
    .action(async (file: string, flags: VerifyFlags) => {
      if (flags.online && flags.didDocument !== undefined) throw new SignpostError('REQUEST_INVALID', '--online and --did-document exclude each other');
      const derived = unwrap(await readJsonFile(file));
      const challenge = flags.challenge === undefined ? {} : { challenge: flags.challenge };
      let result: CapabilityDisclosureResult;
      if (flags.online) {
        // The verdict travels over plain HTTP in many setups: believe only the one the pinned key signed.
        const registryUrl = registryUrlOf(flags.registry);
        const pinned = unwrap(await trustedRegistryKey(new RegistryClient(registryUrl), flags.registryKey));
        result = unwrap(await checkDisclosureAtRegistry(registryUrl, { credential: derived, capability: flags.capability, ...challenge }, { registryKey: pinned.did }));
      } else {
        const document =
          flags.didDocument === undefined ? await registryDidDocument(registryUrlOf(flags.registry), flags.registryKey) : (unwrap(await readJsonFile(flags.didDocument)) as IssuerDidDocument);
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
    });
}

/**
 * The registry's DID document, believed only as far as the registry key pinned for that URL (or
 * given) vouches for it: it asserts with that key, and its #bbs-1 is the key the registry signed
 * with it (the DisclosureKeyBinding of GET /v1/registry). A document with another #bbs-1 is refused.
 */
async function registryDidDocument(registryUrl: string, explicitKey: string | undefined): Promise<IssuerDidDocument> {
  const pinned = unwrap(await trustedRegistryKey(new RegistryClient(registryUrl), explicitKey));
  return unwrap(await fetchIssuerDidDocument(registryUrl, { registryKey: pinned.did }));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
