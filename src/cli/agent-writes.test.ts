import { describe, expect, it } from 'vitest';
import { SignpostError } from '../core/errors.js';
import { testKey } from '../core/test-support/agents.js';
import { didOfKeyArgument } from './agent-writes.js';

/** The did:key of the Ed25519 identity point (y = 1), which any "signature" with R = identity and S = 0 verifies under OpenSSL. */
const IDENTITY = 'did:key:z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj';

describe('didOfKeyArgument', () => {
  it('takes a genuine did:key as it is', async () => {
    expect(await didOfKeyArgument(testKey(5).did)).toBe(testKey(5).did);
  });

  it('refuses a small-order did:key with KEY_WEAK instead of reading it as a file name', async () => {
    const refused = await didOfKeyArgument(IDENTITY).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SignpostError);
    expect((refused as SignpostError).code).toBe('KEY_WEAK');
  });

  it('refuses a malformed did:key with AGENT_ID_INVALID', async () => {
    expect(((await didOfKeyArgument('did:key:z6Mknope').catch((error: unknown) => error)) as SignpostError).code).toBe('AGENT_ID_INVALID');
  });
});
