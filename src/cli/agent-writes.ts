import { nextSequence } from '../core/record/sequence.js';
import { didKeyProblem } from '../core/trust/did-key.js';
import { ok, SignpostError, type Result } from '../core/errors.js';
import type { RegistryClient } from '../client/registry-client.js';
import { readSigningKey } from './secret-files.js';

/**
 * The sequence for the next write of a name: above whatever the registry holds (record or
 * tombstone), and at least the current hybrid-clock value.
 */
export async function nextSequenceFor(client: RegistryClient, name: string, nowMs: number): Promise<Result<number>> {
  const current = await client.agent(name);
  if (current.ok) return ok(nextSequence(nowMs, current.value.seq));
  const status = client.lastFailure?.status;
  if (status === 404) return ok(nextSequence(nowMs));
  if (status === 410) return ok(nextSequence(nowMs, goneSequence(client)));
  return current;
}

/** The stored sequence a 410 answer tells: a tombstone carries its own, an expired record's answer the stored one. */
export function goneSequence(client: RegistryClient): number | undefined {
  const body = client.lastFailure?.body as { tombstone?: { payload?: { seq?: number } }; seq?: number } | undefined;
  return body?.tombstone?.payload?.seq ?? body?.seq;
}

/** A key named on the command line either as its did:key or as a key file, as secretPath finds it (only its public half is used). */
export async function didOfKeyArgument(argument: string): Promise<string> {
  if (!argument.startsWith('did:key:')) return (await readSigningKey(argument)).did;
  const refused = didKeyProblem(argument);
  if (refused !== undefined) throw SignpostError.from([refused]);
  return argument;
}
