import 'reflect-metadata';
import { X509Certificate as PeculiarCertificate } from '@peculiar/x509';
import { X509Certificate, webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode, type Problem, type Result } from '../../errors.js';
import {
  SIGNPOST_CAPABILITIES_OID,
  SIGNPOST_CAPABILITIES_UUID,
  createRegistryCa,
  decodeCapabilities,
  encodeCapabilities,
  importRegistryCaKey,
  issueCapabilityCertificate,
  privateKeyToPem,
  readCapabilityCertificate,
  verifyCapabilityCertificate,
  type IssueCapabilityCertificateInput,
  type IssuedCertificate,
} from './index.js';
import { children, derToPem, oidContent, pemToDer, readExactlyOne, TAG } from './der.js';
import { createCsr, createTestCa, generateKeys, seededRandom, type TestCa } from './test-support/pki.js';

/** 2026-03-01T12:00:00Z */
const NOW = new Date(Date.UTC(2026, 2, 1, 12));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DETECTOR = 'agent://research-lab/drift-detection/concept-drift-detector';

let ca: TestCa;
let otherCa: TestCa;
let csrPem: string;
let issued: IssuedCertificate;

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.problems)}`);
  return result.value;
}

function codes(result: Result<unknown> | { errors: readonly Problem[] }): string[] {
  if ('errors' in result) return result.errors.map((p) => p.code);
  return result.ok ? [] : result.problems.map((p) => p.code);
}

function issueInput(overrides: Partial<IssueCapabilityCertificateInput> = {}): IssueCapabilityCertificateInput {
  return {
    ca,
    csrPem,
    agentName: DETECTOR,
    capabilities: ['retrain', 'monitor'],
    validityMs: HOUR,
    now: NOW,
    randomBytes: seededRandom('serials'),
    ...overrides,
  };
}

function der(pem: string, label = 'CERTIFICATE'): Uint8Array {
  const decoded = pemToDer(pem, [label]);
  if (decoded === undefined) throw new Error('not PEM');
  return decoded.der;
}

beforeAll(async () => {
  ca = await createTestCa(new Date(NOW.getTime() - 24 * HOUR), 'Signpost registry CA');
  otherCa = await createTestCa(new Date(NOW.getTime() - 24 * HOUR), 'Another CA');
  csrPem = await createCsr(await generateKeys('p256'));
  issued = unwrap(await issueCapabilityCertificate(issueInput()));
});

describe('createRegistryCa', () => {
  it('makes a self-signed ECDSA P-256 CA with basicConstraints CA pathLen 0 and keyCertSign + cRLSign', async () => {
    const keys = await generateKeys('p256');
    const created = unwrap(await createRegistryCa({ keys, subjectName: 'Signpost registry CA', now: NOW, validityDays: 365, randomBytes: seededRandom('ca') }));
    const node = new X509Certificate(created.certificatePem);
    expect(node.ca).toBe(true);
    expect(node.subject).toBe('CN=Signpost registry CA');
    expect(node.issuer).toBe('CN=Signpost registry CA');
    expect(node.verify(node.publicKey)).toBe(true);
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(created.notBefore.toISOString()).toBe('2026-03-01T11:59:00.000Z');
    expect(created.notAfter.toISOString()).toBe('2027-03-01T12:00:00.000Z');
    expect(created.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
    expect(created.fingerprintSha256).toBe(node.fingerprint256.replaceAll(':', '').toLowerCase());
    const text = new PeculiarCertificate(created.certificatePem);
    const basic = text.getExtension('2.5.29.19');
    expect(basic?.critical).toBe(true);
    expect(Buffer.from(basic?.value ?? new ArrayBuffer(0)).toString('hex')).toBe('30060101ff020100'); // CA TRUE, pathLen 0
    expect(Buffer.from(text.getExtension('2.5.29.15')?.value ?? new ArrayBuffer(0)).toString('hex')).toBe('03020106'); // keyCertSign, cRLSign
  });

  it('refuses other key types, bad names and validity outside 1..3650 days', async () => {
    const p384 = await generateKeys('p384');
    const ed = await generateKeys('ed25519');
    const p256 = await generateKeys('p256');
    const base = { subjectName: 'CA', now: NOW, validityDays: 30, randomBytes: seededRandom('x') };
    expect(codes(await createRegistryCa({ ...base, keys: p384 }))).toEqual(['REQUEST_INVALID']);
    expect(codes(await createRegistryCa({ ...base, keys: ed }))).toEqual(['REQUEST_INVALID']);
    expect(codes(await createRegistryCa({ ...base, keys: p256, validityDays: 0 }))).toEqual(['REQUEST_INVALID']);
    expect(codes(await createRegistryCa({ ...base, keys: p256, validityDays: 3651 }))).toEqual(['REQUEST_INVALID']);
    expect(codes(await createRegistryCa({ ...base, keys: p256, subjectName: '' }))).toEqual(['REQUEST_INVALID']);
    expect(codes(await createRegistryCa({ ...base, keys: p256, subjectName: 'x'.repeat(65) }))).toEqual(['REQUEST_INVALID']);
    // halves of two different pairs
    expect(codes(await createRegistryCa({ ...base, keys: { publicKey: p256.publicKey, privateKey: (await generateKeys('p256')).privateKey } }))).toEqual([
      'REQUEST_INVALID',
    ]);
  });
});

describe('issueCapabilityCertificate', () => {
  it('issues for a real CSR: URI SAN, CN, EKU, keyUsage, validity and the capabilities extension', () => {
    const node = new X509Certificate(issued.certificatePem);
    expect(node.subjectAltName).toBe(`URI:${DETECTOR}`);
    expect(node.subject).toBe(`CN=${DETECTOR}`);
    expect(node.issuer).toBe('CN=Signpost registry CA');
    expect(node.ca).toBe(false);
    expect(node.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1']); // node names the EKU "keyUsage"
    expect(node.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(issued.notBefore.toISOString()).toBe('2026-03-01T11:59:00.000Z'); // backdated 60 s for clock skew
    expect(issued.notAfter.toISOString()).toBe('2026-03-01T13:00:00.000Z');
    expect(issued.capabilities).toEqual(['monitor', 'retrain']); // sorted
    expect(issued.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
    // another X.509 implementation reads the standard parts the same way
    const peculiar = new PeculiarCertificate(issued.certificatePem);
    expect(peculiar.getExtension('2.5.29.15')?.critical).toBe(true);
    expect(peculiar.getExtension('2.5.29.19')?.critical).toBe(true);
    expect(peculiar.notAfter.toISOString()).toBe('2026-03-01T13:00:00.000Z');
  });

  it('reads back the agent name and capabilities', () => {
    const info = unwrap(readCapabilityCertificate(issued.certificatePem));
    expect(info).toMatchObject({
      agentName: DETECTOR,
      capabilities: ['monitor', 'retrain'],
      serialNumber: issued.serialNumber,
      issuer: 'CN=Signpost registry CA',
      subject: `CN=${DETECTOR}`,
    });
    expect(info.notBefore).toEqual(issued.notBefore);
    expect(info.notAfter).toEqual(issued.notAfter);
    expect(unwrap(readCapabilityCertificate(der(issued.certificatePem))).agentName).toBe(DETECTOR);
  });

  it('carries the capabilities as a non-critical extension 2.25.<UUID>, a DER SEQUENCE OF UTF8String', () => {
    expect(SIGNPOST_CAPABILITIES_OID).toBe(`2.25.${BigInt(`0x${SIGNPOST_CAPABILITIES_UUID.replaceAll('-', '')}`).toString(10)}`);
    const bytes = der(issued.certificatePem);
    const [tbs] = children(readExactlyOne(bytes));
    const fields = children(tbs!);
    const extensions = children(children(fields[fields.length - 1]!)[0]!);
    const ours = extensions.map((e) => children(e)).find((parts) => Buffer.from(parts[0]!.content).equals(oidContent(SIGNPOST_CAPABILITIES_OID)));
    expect(ours).toBeDefined();
    expect(ours).toHaveLength(2); // no critical flag: non-critical
    const value = ours![1]!.content;
    expect(Buffer.from(value).toString('hex')).toBe(`3012${'0c076d6f6e69746f72'}${'0c0772657472616e'.replace('616e', '61696e')}`);
    expect(decodeCapabilities(value)).toEqual(['monitor', 'retrain']);
    expect(Buffer.from(encodeCapabilities([])).toString('hex')).toBe('3000');
  });

  it('accepts any name form and issues the canonical name; dedupes capabilities', async () => {
    const result = unwrap(
      await issueCapabilityCertificate(issueInput({ agentName: 'a2a://concept-drift-detector.drift-detection.research-lab.v2.prod', capabilities: ['retrain', 'retrain'] })),
    );
    expect(result.agentName).toBe(DETECTOR);
    expect(result.capabilities).toEqual(['retrain']);
  });

  it('accepts P-384 and Ed25519 CSRs', async () => {
    for (const kind of ['p384', 'ed25519'] as const) {
      const result = await issueCapabilityCertificate(issueInput({ csrPem: await createCsr(await generateKeys(kind), kind) }));
      expect(result.ok).toBe(true);
    }
  });

  it('gives a name longer than 64 characters an empty subject and a critical SAN', async () => {
    const long = 'agent://research-lab.example.com/drift-detection/concept-drift-detector/canary';
    const result = unwrap(await issueCapabilityCertificate(issueInput({ agentName: long })));
    const node = new X509Certificate(result.certificatePem);
    expect(node.subject ?? '').toBe('');
    expect(unwrap(readCapabilityCertificate(result.certificatePem)).subject).toBe('');
    expect(node.subjectAltName).toBe(`URI:${long}`);
    expect(new PeculiarCertificate(result.certificatePem).getExtension('2.5.29.17')?.critical).toBe(true);
    const verified = await verifyCapabilityCertificate(result.certificatePem, { caCertificatePem: ca.certificatePem, now: NOW, expectedName: long });
    expect(verified).toMatchObject({ verified: true, errors: [] });
  });

  it('refuses a CSR whose signature does not verify (CSR_INVALID)', async () => {
    const bytes = der(csrPem, 'CERTIFICATE REQUEST');
    const badSignature = Uint8Array.from(bytes);
    badSignature[badSignature.length - 5]! ^= 0x01;
    const result = await issueCapabilityCertificate(issueInput({ csrPem: derToPem(badSignature, 'CERTIFICATE REQUEST') }));
    expect(codes(result)).toEqual(['CSR_INVALID']);
    expect(result.ok ? '' : result.problems[0]?.detail).toContain('self-signature does not verify');
  });

  it('refuses every single-byte change of a CSR, without throwing', async () => {
    const bytes = der(csrPem, 'CERTIFICATE REQUEST');
    for (let offset = 0; offset < bytes.length; offset++) {
      const tampered = Uint8Array.from(bytes);
      tampered[offset]! ^= 0x01;
      const result = await issueCapabilityCertificate(issueInput({ csrPem: tampered }));
      expect(codes(result), `byte ${offset}`).toEqual(['CSR_INVALID']);
    }
  });

  it('refuses garbage, an RSA key and a certificate where a CSR belongs', async () => {
    expect(codes(await issueCapabilityCertificate(issueInput({ csrPem: 'hello' })))).toEqual(['CSR_INVALID']);
    expect(codes(await issueCapabilityCertificate(issueInput({ csrPem: issued.certificatePem })))).toEqual(['CSR_INVALID']);
    const rsa = await webcrypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    const { Pkcs10CertificateRequestGenerator } = await import('@peculiar/x509');
    const rsaCsr = await Pkcs10CertificateRequestGenerator.create({ name: 'CN=rsa', keys: rsa as never, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' } }, webcrypto as never);
    const result = await issueCapabilityCertificate(issueInput({ csrPem: rsaCsr.toString('pem') }));
    expect(codes(result)).toEqual(['CSR_INVALID']);
    expect(result.ok ? '' : result.problems[0]?.detail).toMatch(/1\.2\.840\.113549\.1\.1\.11 \(RSA\)/);
  });

  it('bounds the validity to 60 s .. 24 h', async () => {
    for (const validityMs of [59_999, 86_400_001, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const result = await issueCapabilityCertificate(issueInput({ validityMs }));
      expect(codes(result), String(validityMs)).toEqual(['REQUEST_INVALID']);
      expect(result.ok ? undefined : result.problems[0]?.pointer).toBe('/validityMs');
    }
    for (const validityMs of [60_000, 86_400_000]) {
      const result = unwrap(await issueCapabilityCertificate(issueInput({ validityMs })));
      expect(result.notAfter.getTime() - NOW.getTime()).toBe(validityMs);
    }
  });

  it('refuses malformed capabilities and names, with pointers', async () => {
    const bad = await issueCapabilityCertificate(issueInput({ capabilities: ['retrain', 'Retrain', '', '-x', 'a'.repeat(65)] }));
    expect(bad.ok ? [] : bad.problems.map((p) => p.pointer)).toEqual(['/capabilities/1', '/capabilities/2', '/capabilities/3', '/capabilities/4']);
    const tooMany = await issueCapabilityCertificate(issueInput({ capabilities: Array.from({ length: 65 }, (_, i) => `c${i}`) }));
    expect(codes(tooMany)).toEqual(['REQUEST_INVALID']);
    expect((await issueCapabilityCertificate(issueInput({ capabilities: Array.from({ length: 64 }, (_, i) => `c${i}`) }))).ok).toBe(true);
    expect(codes(await issueCapabilityCertificate(issueInput({ capabilities: ['ns:retrain.v2', 'a/b'] })))).toEqual(['REQUEST_INVALID']);
    expect((await issueCapabilityCertificate(issueInput({ capabilities: ['ns:retrain.v2-x', 'a_b'] }))).ok).toBe(true);
    expect(codes(await issueCapabilityCertificate(issueInput({ agentName: 'not a name' })))).toEqual(['NAME_MALFORMED']);
  });

  it('refuses to issue from an expired CA, clamps to the CA lifetime, and notices a CA key that does not match', async () => {
    const afterCa = new Date(NOW.getTime() + 40 * 24 * HOUR);
    expect(codes(await issueCapabilityCertificate(issueInput({ now: afterCa })))).toEqual(['CERT_EXPIRED']);
    const caInfo = new X509Certificate(ca.certificatePem);
    const nearEnd = new Date(new Date(caInfo.validTo).getTime() - 2 * HOUR);
    const clamped = unwrap(await issueCapabilityCertificate(issueInput({ now: nearEnd, validityMs: 24 * HOUR })));
    expect(clamped.notAfter.getTime()).toBe(new Date(caInfo.validTo).getTime());
    expect(codes(await issueCapabilityCertificate(issueInput({ ca: { certificatePem: ca.certificatePem, privateKey: otherCa.privateKey } })))).toEqual([
      'INTERNAL',
    ]);
  });
});

describe('verifyCapabilityCertificate', () => {
  const verify = (certificate: string | Uint8Array, options: Partial<Parameters<typeof verifyCapabilityCertificate>[1]> = {}) =>
    verifyCapabilityCertificate(certificate, { caCertificatePem: ca.certificatePem, now: NOW, ...options });

  it('verifies a certificate of the registry CA, with name and capability', async () => {
    const result = await verify(issued.certificatePem, { expectedName: DETECTOR, requiredCapability: 'retrain' });
    expect(result).toMatchObject({ verified: true, errors: [] });
    expect(result.certificate?.agentName).toBe(DETECTOR);
    expect((await verify(der(issued.certificatePem))).verified).toBe(true);
    expect((await verify(new X509Certificate(issued.certificatePem) as never)).verified).toBe(true);
  });

  it('reports an expired or not-yet-valid certificate as CERT_EXPIRED (notAfter itself is still valid)', async () => {
    expect((await verify(issued.certificatePem, { now: issued.notAfter })).verified).toBe(true);
    expect(codes(await verify(issued.certificatePem, { now: new Date(issued.notAfter.getTime() + 1000) }))).toEqual(['CERT_EXPIRED']);
    expect(codes(await verify(issued.certificatePem, { now: new Date(issued.notBefore.getTime() - 1000) }))).toEqual(['CERT_EXPIRED']);
  });

  it('reports a certificate of another CA as CERT_INVALID, and nothing else', async () => {
    const foreign = unwrap(await issueCapabilityCertificate(issueInput({ ca: otherCa })));
    const result = await verify(foreign.certificatePem, { requiredCapability: 'absent', expectedName: 'agent://x.example/y' });
    expect(codes(result)).toEqual(['CERT_INVALID']);
    expect(result.certificate).toBeUndefined();
  });

  it('reports a CA with the same name but another key as CERT_INVALID', async () => {
    const twin = await createTestCa(new Date(NOW.getTime() - 24 * HOUR), 'Signpost registry CA');
    const forged = unwrap(await issueCapabilityCertificate(issueInput({ ca: twin })));
    expect(codes(await verify(forged.certificatePem))).toEqual(['CERT_INVALID']);
  });

  it('reports a missing capability as CAPABILITY_MISSING', async () => {
    const result = await verify(issued.certificatePem, { requiredCapability: 'deploy' });
    expect(codes(result)).toEqual(['CAPABILITY_MISSING']);
    expect(result.errors[0]?.detail).toContain('only monitor, retrain');
    expect(result.certificate?.agentName).toBe(DETECTOR);
  });

  it('reports another name as CERT_NAME_MISMATCH; other spellings of the same name match', async () => {
    expect(codes(await verify(issued.certificatePem, { expectedName: 'agent://research-lab/ml-ops/model-deployer' }))).toEqual(['CERT_NAME_MISMATCH']);
    expect((await verify(issued.certificatePem, { expectedName: 'concept-drift-detector.drift-detection@research-lab' })).verified).toBe(true);
    expect(codes(await verify(issued.certificatePem, { expectedName: '%%' }))).toEqual(['NAME_MALFORMED']);
  });

  it('reports revoked and suspended agents, sync or async, and fails closed when the status cannot be read', async () => {
    const seen: string[] = [];
    const revoked = await verify(issued.certificatePem, {
      isRevoked: (info) => {
        seen.push(`${info.agentName}#${info.serialNumber}`);
        return 'revoked';
      },
    });
    expect(codes(revoked)).toEqual(['AGENT_REVOKED']);
    expect(seen).toEqual([`${DETECTOR}#${issued.serialNumber}`]);
    expect(codes(await verify(issued.certificatePem, { isRevoked: async () => 'suspended' as const }))).toEqual(['AGENT_SUSPENDED']);
    expect((await verify(issued.certificatePem, { isRevoked: async () => null })).verified).toBe(true);
    const broken = await verify(issued.certificatePem, {
      isRevoked: () => {
        throw new Error('status list unavailable');
      },
    });
    expect(codes(broken)).toEqual(['INTERNAL']);
  });

  it('runs every check of a chained certificate and reports all failures', async () => {
    const later = new Date(issued.notAfter.getTime() + MINUTE);
    const result = await verify(issued.certificatePem, { now: later, expectedName: 'agent://other.example/a', requiredCapability: 'deploy', isRevoked: () => 'revoked' });
    expect(codes(result)).toEqual(['CERT_EXPIRED', 'CERT_NAME_MISMATCH', 'CAPABILITY_MISSING', 'AGENT_REVOKED']);
  });

  it('never throws on bad input: garbage, empty, the CA itself, a bad trust anchor', async () => {
    for (const input of ['', 'garbage', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', new Uint8Array(0), new Uint8Array(20_000), null, 42, {}]) {
      const result = await verify(input as never);
      expect(result.verified).toBe(false);
      expect(codes(result)).toEqual(['CERT_INVALID']);
    }
    expect(codes(await verify(ca.certificatePem))).toEqual(['CERT_INVALID']); // a CA is not an agent certificate
    expect(codes(await verify(issued.certificatePem, { caCertificatePem: issued.certificatePem }))).toEqual(['CERT_INVALID']); // a leaf is not a CA
    expect(codes(await verify(issued.certificatePem, { caCertificatePem: 'nope' }))).toEqual(['CERT_INVALID']);
    expect(codes(await verify(issued.certificatePem, { now: new Date('invalid') }))).toEqual(['INTERNAL']);
    expect(codes(readCapabilityCertificate(ca.certificatePem))).toEqual(['CERT_INVALID']);
  });
});

describe('tamper: flip any byte of a signed artefact', () => {
  it('no single-byte change of a certificate verifies; none throws; every refusal is CERT_INVALID', async () => {
    const bytes = der(issued.certificatePem);
    // Where the interesting parts are, to be sure the sweep covers them.
    const [tbs, , signature] = children(readExactlyOne(bytes));
    const tbsEnd = tbs!.raw.byteOffset - bytes.byteOffset + tbs!.raw.length;
    const oidAt = Buffer.from(bytes).indexOf(Buffer.from(oidContent(SIGNPOST_CAPABILITIES_OID)));
    const signatureAt = signature!.raw.byteOffset - bytes.byteOffset;
    expect(oidAt).toBeGreaterThan(0);
    expect(oidAt).toBeLessThan(tbsEnd);
    expect(signatureAt).toBeGreaterThan(tbsEnd);

    const seenCodes = new Set<string>();
    for (let offset = 0; offset < bytes.length; offset++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = Uint8Array.from(bytes);
        tampered[offset]! ^= mask;
        const result = await verifyCapabilityCertificate(tampered, { caCertificatePem: ca.certificatePem, now: NOW, requiredCapability: 'retrain' });
        expect(result.verified, `byte ${offset} ^ ${mask}`).toBe(false);
        expect(result.errors.length).toBeGreaterThan(0);
        for (const p of result.errors) {
          expect(isErrorCode(p.code)).toBe(true);
          seenCodes.add(p.code);
        }
      }
    }
    // The signature covers every byte of the TBS, and OpenSSL compares the outer and inner
    // algorithm, so no flip gets as far as the date or capability checks.
    expect([...seenCodes]).toEqual(['CERT_INVALID']);
  });

  it('no single-byte change of the registry CA certificate is accepted as the trust anchor', async () => {
    const bytes = der(ca.certificatePem);
    for (let offset = 0; offset < bytes.length; offset++) {
      const tampered = Uint8Array.from(bytes);
      tampered[offset]! ^= 0x01;
      const result = await verifyCapabilityCertificate(issued.certificatePem, { caCertificatePem: derToPem(tampered, 'CERTIFICATE'), now: NOW });
      expect(result.verified, `CA byte ${offset}`).toBe(false);
      expect(codes(result)).toEqual(['CERT_INVALID']);
    }
  });

  it('a DER element with trailing bytes, or the PEM with two certificates, is refused', async () => {
    const bytes = der(issued.certificatePem);
    expect(codes(await verifyCapabilityCertificate(Uint8Array.from([...bytes, 0]), { caCertificatePem: ca.certificatePem, now: NOW }))).toEqual([
      'CERT_INVALID',
    ]);
    expect(codes(await verifyCapabilityCertificate(issued.certificatePem + issued.certificatePem, { caCertificatePem: ca.certificatePem, now: NOW }))).toEqual([
      'CERT_INVALID',
    ]);
  });

  it('the capabilities decoder refuses anything but a DER SEQUENCE OF lowercase UTF8String tokens', () => {
    const bad = [
      '3100', // SET, not SEQUENCE
      '30020c00', // empty token
      '3009130772657472616e', // PrintableString
      '30090c0752657472616e', // uppercase
      '3080', // indefinite length
      '30090c0772657472616e00', // trailing byte
      '30020cff', // truncated
    ];
    for (const hex of bad) expect(() => decodeCapabilities(Buffer.from(hex, 'hex')), hex).toThrow();
  });
});

describe('CA keys at rest', () => {
  it('round-trips the CA private key as PKCS #8 PEM and checks it against the CA certificate', async () => {
    const keys = await generateKeys('p256');
    const created = unwrap(await createRegistryCa({ keys, subjectName: 'Signpost registry CA', now: NOW, validityDays: 30, randomBytes: seededRandom('rest') }));
    const privateKeyPem = await privateKeyToPem(keys.privateKey);
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const imported = unwrap(await importRegistryCaKey({ certificatePem: created.certificatePem, privateKeyPem }));
    const again = unwrap(
      await issueCapabilityCertificate(issueInput({ ca: { certificatePem: created.certificatePem, privateKey: imported } })),
    );
    expect((await verifyCapabilityCertificate(again.certificatePem, { caCertificatePem: created.certificatePem, now: NOW })).verified).toBe(true);

    expect(codes(await importRegistryCaKey({ certificatePem: ca.certificatePem, privateKeyPem }))).toEqual(['CERT_INVALID']);
    expect(codes(await importRegistryCaKey({ certificatePem: created.certificatePem, privateKeyPem: 'nope' }))).toEqual(['KEY_FILE_INVALID']);
    const edPem = await privateKeyToPem((await generateKeys('ed25519')).privateKey);
    expect(codes(await importRegistryCaKey({ certificatePem: created.certificatePem, privateKeyPem: edPem }))).toEqual(['KEY_FILE_INVALID']);
  });
});

describe('DER helpers', () => {
  it('encodes the UUID OID arc beyond 2^53 and decodes it back', () => {
    const content = oidContent(SIGNPOST_CAPABILITIES_OID);
    expect(content[0]).toBe(0x69); // 2.25
    expect(content.length).toBe(20);
    const back = readExactlyOne(Uint8Array.from([TAG.OID, content.length, ...content]), TAG.OID);
    expect(back.content).toEqual(content);
  });
});
