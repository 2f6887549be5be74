import { stat, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCsr, generateKeys } from '../core/trust/certificates/test-support/pki.js';
import { verifyCapabilityCertificate } from '../core/trust/certificates/index.js';
import { loadOrCreateCertificateAuthority } from './certificate-authority.js';
import { systemClock } from './system-clock.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'signpost-ca-'));
  dirs.push(dir);
  return dir;
}

describe('the registry CA files', () => {
  it('are created once (key 0600), loaded afterwards with the same fingerprint, and issue verifiable certificates', async () => {
    const dir = await dataDir();
    const first = await loadOrCreateCertificateAuthority(dir, systemClock);
    expect(first.created).toBe(true);
    expect((await stat(first.keyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(first.keyPath, 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
    const keyBefore = await readFile(first.keyPath, 'utf8');

    const again = await loadOrCreateCertificateAuthority(dir, systemClock);
    expect(again.created).toBe(false);
    expect(again.authority.fingerprintSha256).toBe(first.authority.fingerprintSha256);
    expect(await readFile(first.keyPath, 'utf8')).toBe(keyBefore);

    const name = 'agent://research-lab/drift-detection/concept-drift-detector';
    const issued = await again.authority.issue({ csrPem: await createCsr(await generateKeys()), agentName: name, capabilities: ['retrain'], validityMs: 60_000 });
    expect(issued.ok ? [] : issued.problems).toEqual([]);
    if (!issued.ok) return;
    const check = await verifyCapabilityCertificate(issued.value.certificatePem, {
      caCertificatePem: first.authority.certificatePem,
      now: new Date(),
      expectedName: name,
      requiredCapability: 'retrain',
    });
    expect(check.verified).toBe(true);
  });

  it('refuses to start with only one of the two files, rather than replace the other', async () => {
    const dir = await dataDir();
    const first = await loadOrCreateCertificateAuthority(dir, systemClock);
    await rm(first.certificatePath);
    await expect(loadOrCreateCertificateAuthority(dir, systemClock)).rejects.toMatchObject({ code: 'KEY_FILE_INVALID' });
    expect(await readFile(first.keyPath, 'utf8')).toContain('PRIVATE KEY');
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const a = await loadOrCreateCertificateAuthority(await dataDir(), systemClock);
    const b = await loadOrCreateCertificateAuthority(await dataDir(), systemClock);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(b.keyPath, await readFile(a.keyPath, 'utf8'));
    await expect(loadOrCreateCertificateAuthority(join(b.keyPath, '..', '..'), systemClock)).rejects.toMatchObject({ code: 'CERT_INVALID' });
  });
});
