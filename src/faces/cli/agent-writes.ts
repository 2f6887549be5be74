import { readKeyFile } from '../../app/key-file.js';
import { nextSequence } from '../../core/record/sequence.js';
import { isEd25519DidKey } from '../../core/trust/did-key.js';
import type { Result } from '../../core/errors.js';
import { ok } from '../../core/errors.js';
import type { RegistryClient } from '../../client/registry-client.js';

/**
 * The sequence for the next write of a name: above whatever the registry holds (record or
 * tombstone), and at least the current hybrid-clock value.
 */
export async function nextSequenceFor(client: RegistryClient, name: string, nowMs: number): Promise<Result<number>> {
  const current = await client.agent(name);
  if (current.ok) return ok(nextSequence(nowMs, current.value.seq));
  const status = client.lastFailure?.status;
  if (status === 404) return ok(nextSequence(nowMs));
  if (status === 410) {
    // A tombstone carries its sequence; an expired record's answer carries the stored one.
    const body = client.lastFailure?.body as { tombstone?: { payload?: { seq?: number } }; seq?: number } | undefined;
    return ok(nextSequence(nowMs, body?.tombstone?.payload?.seq ?? body?.seq));
  }
  return current;
}

/** A key named on the command line either as its did:key or as a key file (only its public half is used). */
export async function didOfKeyArgument(argument: string): Promise<string> {
  return isEd25519DidKey(argument) ? argument : (await readKeyFile(argument)).did;
}
