import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, T0 } from '../core/test-support/agents.js';
import { finishRollover, loadZoneKeys, NEXT_ZONE_KEY_FILE, rolloverStatus, signingKeys, startRollover, ZONE_KEY_FILE } from './dns-zone-keys.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const HOUR = 3_600_000;
const exists = (path: string) => access(path).then(() => true, () => false);

describe('DNS zone keys and their rollover (the clock injected)', () => {
  it('makes a key of the algorithm asked at the first start only, private (mode 0600)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'signpost-zone-keys-'));
    await expect(loadZoneKeys(dir)).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
    const first = await loadZoneKeys(dir, 'ecdsap256');
    expect(first).toMatchObject({ created: true, active: { algorithm: 13 } });
    const again = await loadZoneKeys(dir, 'ed25519');
    expect(again.created).toBe(false);
    expect(again.active.publicKey).toEqual(first.active.publicKey);
    expect(JSON.parse(await readFile(join(dir, ZONE_KEY_FILE), 'utf8'))).toMatchObject({ kty: 'EC', crv: 'P-256' });
  });

  it('start adds the next key; finish is refused before the DNSKEY TTL plus the DS TTL, then makes it the active key and keeps the old', async () => {
    dir = await mkdtemp(join(tmpdir(), 'signpost-zone-keys-'));
    const clock = manualClock(T0);
    const old = (await loadZoneKeys(dir, 'ed25519')).active;
    const started = await startRollover(dir, { algorithm: 'ecdsap256', dsTtlSeconds: 86_400, clock });
    expect(started.next).toMatchObject({ algorithm: 'ecdsap256', startedAt: new Date(T0).toISOString(), finishAfter: new Date(T0 + 25 * HOUR).toISOString(), finishAllowed: false });
    expect(started.next!.tag).not.toBe(started.active.tag);
    const during = await loadZoneKeys(dir);
    expect(signingKeys(during).map((key) => key.algorithm)).toEqual([15, 13]);
    await expect(startRollover(dir, { dsTtlSeconds: 60, clock })).rejects.toMatchObject({ code: 'DNS_ROLLOVER_IN_PROGRESS' });

    clock.advance(25 * HOUR - 1);
    await expect(finishRollover(dir, { clock })).rejects.toMatchObject({ code: 'DNS_ROLLOVER_TOO_EARLY', message: expect.stringContaining(new Date(T0 + 25 * HOUR).toISOString()) });
    // Refused: nothing moved.
    expect(await exists(join(dir, NEXT_ZONE_KEY_FILE))).toBe(true);
    expect((await loadZoneKeys(dir)).active.publicKey).toEqual(old.publicKey);

    clock.advance(1);
    expect((await rolloverStatus(dir, clock)).next?.finishAllowed).toBe(true);
    const finished = await finishRollover(dir, { clock });
    expect(finished).toMatchObject({ early: false, active: { tag: started.next!.tag, algorithm: 'ecdsap256' }, retired: { tag: started.active.tag, algorithm: 'ed25519' } });
    const after = await loadZoneKeys(dir);
    expect(after.next).toBeUndefined();
    expect(after.active.publicKey).toEqual(during.next!.key.publicKey);
    expect(await exists(join(dir, `dns-zone-key-retired-${started.active.tag}.jwk`))).toBe(true);
    await expect(finishRollover(dir, { clock })).rejects.toMatchObject({ code: 'DNS_ROLLOVER_NOT_STARTED' });
  });

  it('--force finishes early, and says so', async () => {
    dir = await mkdtemp(join(tmpdir(), 'signpost-zone-keys-'));
    const clock = manualClock(T0);
    await loadZoneKeys(dir, 'ed25519');
    const started = await startRollover(dir, { dsTtlSeconds: 86_400, clock });
    expect(started.next?.algorithm).toBe('ed25519');
    expect(await finishRollover(dir, { clock, force: true })).toMatchObject({ early: true, active: { tag: started.next!.tag } });
  });
});
