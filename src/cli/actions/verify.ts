import { CredentialStatusReader } from '../../client/credential-checks.js';
import { verifyResolveAnswerFully, type AnswerVerification } from '../../client/verify-answer-fully.js';
import { parseStrictJsonBytes } from '../../core/json/strict-json.js';
import { problem, SignpostError } from '../../core/errors.js';
import { parseAgentName } from '../../core/name/index.js';
import { didKeyProblem } from '../../core/trust/did-key.js';
import { EXIT, formatProblems, unwrap } from '../cli-context.js';
import { readInputFile } from '../input-files.js';
import { pinnedRegistryKeys } from '../registry-connection.js';

export interface VerifyFlags {
  registryKey?: string;
  name?: string;
  offline?: boolean;
  json?: boolean;
}

/** What `verify --json` prints. */
interface VerifyOutput {
  name: string | null;
  /** True only when the records, the credential and its status lists check out. */
  verified: boolean;
  /** The records alone: signatures, countersignatures, digest, validity, endpoint. */
  signaturesVerified: boolean;
  /** good | revoked | suspended | unchecked (the status lists were not read: --offline, or unreachable). */
  status: AnswerVerification['status'];
  /** False when the countersigning key is neither --registry-key nor pinned by an earlier resolve: then never verified. */
  registryTrusted: boolean;
  errors: AnswerVerification['errors'];
}

export async function verify(file: string, flags: VerifyFlags): Promise<void> {
  const document = await readAnswer(file);
  const signer = document?.addr?.countersig?.by;
  const pinned = await pinnedRegistryKeys();
  const given = flags.registryKey === undefined ? undefined : didKeyProblem(flags.registryKey, '--registry-key');
  if (given !== undefined) throw SignpostError.from([given]);
  const registryDid = flags.registryKey ?? (signer !== undefined && pinned.has(signer) ? signer : undefined);
  // Without a trusted registry key the agent signatures still prove who signed, but not that a registry vouched for the name.
  const result = await verifyResolveAnswerFully(
    document,
    { registryKey: registryDid ?? (typeof signer === 'string' ? signer : ''), nowMs: Date.now(), ...expectedNameOf(flags.name) },
    // An answer by a key nobody trusts is never verified: fetching the URLs its own credential names gains nothing.
    new CredentialStatusReader({ offline: flags.offline === true || registryDid === undefined }),
  );
  const registryTrusted = registryDid !== undefined;
  // Signatures by a key nobody trusts prove nothing: anyone can make a registry key, sign an answer and its lists.
  const untrusted = registryTrusted
    ? []
    : [problem('RECORD_COUNTERSIGNATURE_INVALID', `countersigned by ${String(signer)}, a key that is neither --registry-key nor pinned by an earlier resolve`, '/addr/countersig/by')];
  const verified = result.verified && registryTrusted;
  const output: VerifyOutput = {
    name: typeof document?.addr?.payload?.name === 'string' ? document.addr.payload.name : null,
    verified,
    signaturesVerified: result.signaturesVerified,
    status: result.status,
    registryTrusted,
    errors: [...untrusted, ...result.errors],
  };
  process.stdout.write(flags.json ? JSON.stringify(output) + '\n' : humanReadable(output, signer));
  process.exitCode = verified ? EXIT.ok : EXIT.refused;
}

type SavedAnswer = { addr?: { countersig?: { by?: string }; payload?: { name?: string } }; facts?: unknown } | undefined;

/** The file, read with the strict JSON reader: what is refused from a registry is refused from a file too. */
async function readAnswer(file: string): Promise<SavedAnswer> {
  const parsed = parseStrictJsonBytes(unwrap(await readInputFile(file)));
  if (!parsed.ok) throw SignpostError.from([problem('RECORD_INVALID', `${file} is not a strict JSON document`), ...parsed.problems]);
  return parsed.value as SavedAnswer;
}

function expectedNameOf(name: string | undefined): { expectedName?: string } {
  if (name === undefined) return {};
  const parsed = parseAgentName(name);
  if (!parsed.ok) throw SignpostError.from(parsed.problems);
  return { expectedName: parsed.value.canonical };
}

function humanReadable(output: VerifyOutput, signer: string | undefined): string {
  const lines: string[] = [];
  if (output.verified) {
    lines.push(`verified: ${output.name}`, `  status: good (the registry's signed status lists, read now)`);
  } else if (output.signaturesVerified && output.status === 'unchecked') {
    lines.push(`NOT VERIFIED: revocation status not checked`, `  signatures: valid (${output.name})`, formatProblems(output.errors));
  } else {
    lines.push(`NOT VERIFIED${output.status === 'revoked' || output.status === 'suspended' ? `: ${output.status}` : ''}`, formatProblems(output.errors));
  }
  if (!output.registryTrusted) lines.push(`  countersigned by ${signer}, a key you have not pinned: pass --registry-key to trust it`);
  return lines.join('\n') + '\n';
}
