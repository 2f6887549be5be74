import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISCLOSURE_KEY_FILE, loadOrCreateDisclosureKey, readDisclosureKey } from './disclosure-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signpost-bls-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the registry disclosure key file', () => {
  it('is created once (0600, a BLS12-381 Multikey), then loaded unchanged on every later start', async () => {
    const first = await loadOrCreateDisclosureKey(dir);
    expect(first.created).toBe(true);
    expect(first.path).toBe(join(dir, DISCLOSURE_KEY_FILE));
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    const text = await readFile(first.path, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ type: 'Multikey', publicKeyMultibase: first.keyPair.publicKeyMultibase, controller: first.keyPair.controller });
    expect(first.keyPair.publicKeyMultibase).toMatch(/^zUC7/);
    const second = await loadOrCreateDisclosureKey(dir);
    expect(second.created).toBe(false);
    expect(second.keyPair.publicKeyMultibase).toBe(first.keyPair.publicKeyMultibase);
    expect(await readFile(first.path, 'utf8')).toBe(text);
    // Two data directories get two different keys (the seed is random, not derived).
    const other = await mkdtemp(join(tmpdir(), 'signpost-bls-'));
    try {
      expect((await loadOrCreateDisclosureKey(other)).keyPair.publicKeyMultibase).not.toBe(first.keyPair.publicKeyMultibase);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a BLS12-381 issuer key, and never replaces it', async () => {
    const path = join(dir, DISCLOSURE_KEY_FILE);
    await writeFile(path, JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'abc' }));
    await expect(loadOrCreateDisclosureKey(dir)).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
    await writeFile(path, 'not json');
    await expect(readDisclosureKey(path)).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
    expect(await readFile(path, 'utf8')).toBe('not json');
  });
});

describe('serveConfig: capability credential validity', () => {
  it('takes --disclosure-validity or SIGNPOST_DISCLOSURE_VALIDITY (seconds, or 30m / 12h / 7d), 60 s .. 7 d', async () => {
    const { serveConfig } = await import('../app/config.js');
    expect(serveConfig({}, {}).ok && 'disclosureValiditySeconds' in (serveConfig({}, {}) as { value: object }).value).toBe(false);
    expect(serveConfig({ disclosureValidity: '12h' }, { SIGNPOST_DISCLOSURE_VALIDITY: '7d' })).toMatchObject({ ok: true, value: { disclosureValiditySeconds: 43_200 } });
    expect(serveConfig({}, { SIGNPOST_DISCLOSURE_VALIDITY: '3600' })).toMatchObject({ ok: true, value: { disclosureValiditySeconds: 3600 } });
    for (const bad of ['59', '8d', '1w', '', 'soon']) {
      expect(serveConfig({ disclosureValidity: bad }, {}), bad).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
    }
  });
});
