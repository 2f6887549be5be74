/**
 * Ed25519 leaf keys: a CSR for a small-order key "self-signed" with the universal signature (which
 * OpenSSL accepts) must not get a certificate, a non-canonical self-signature does not verify, and
 * a certificate for a weak key is not read as a capability certificate.
 */
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCapabilityCertificate, readCapabilityCertificate, type IssueCapabilityCertificateInput } from './index.js';
import { bitString, contextConstructed, derToPem, oid, pemToDer, sequence, smallInteger, tlv } from './der.js';
import { createCsr, createTestCa, generateKeys, issueTestAgent, seededRandom, type TestCa } from './test-support/pki.js';

const NOW = new Date(Date.UTC(2026, 2, 1, 12));
const NAME = 'agent://acme.com/billing/invoices';
const IDENTITY = Uint8Array.from([1, ...new Array<number>(31).fill(0)]);
const ED25519 = '1.3.101.112';

let ca: TestCa;
beforeAll(async () => {
  ca = await createTestCa(NOW);
});

const input = (csrPem: string): IssueCapabilityCertificateInput => ({
  ca,
  csrPem,
  agentName: NAME,
  capabilities: ['invoice.send'],
  validityMs: 3_600_000,
  now: NOW,
  randomBytes: seededRandom('weak-keys'),
});

/** A PKCS #10 request for the identity point, signed R = identity, S = 0 (valid for any data under OpenSSL). */
function identityCsrPem(): string {
  const spki = sequence(sequence(oid(ED25519)), bitString(IDENTITY));
  const info = sequence(smallInteger(0), sequence(), spki, tlv(contextConstructed(0), new Uint8Array())); // no attributes
  const universal = Uint8Array.from([...IDENTITY, ...new Uint8Array(32)]);
  return derToPem(sequence(info, sequence(oid(ED25519)), bitString(universal)), 'CERTIFICATE REQUEST');
}

/** S + L of the last 32 bytes (S of the Ed25519 signature that ends the DER); S < L < 2^253, so it fits. */
function withSPlusL(der: Uint8Array): Uint8Array {
  const order = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');
  const out = der.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const at = out.length - 32 + i;
    const sum = out[at]! + order[i]! + carry;
    out[at] = sum & 0xff;
    carry = sum >> 8;
  }
  return out;
}

describe('capability certificates and weak Ed25519 keys', () => {
  it('refuses a CSR for the identity point with KEY_WEAK, though its universal self-signature verifies under OpenSSL', async () => {
    const result = await issueCapabilityCertificate(input(identityCsrPem()));
    expect(result.ok ? [] : result.problems).toEqual([expect.objectContaining({ code: 'KEY_WEAK', pointer: '/csr', detail: expect.stringContaining('small-order point') })]);
  });

  it('refuses an Ed25519 CSR whose self-signature has S >= L (CSR_INVALID, saying why)', async () => {
    const csrPem = await createCsr(await generateKeys('ed25519'), 'ed25519');
    expect((await issueCapabilityCertificate(input(csrPem))).ok).toBe(true);
    const malleated = derToPem(withSPlusL(pemToDer(csrPem, ['CERTIFICATE REQUEST'])!.der), 'CERTIFICATE REQUEST');
    const result = await issueCapabilityCertificate(input(malleated));
    expect(result.ok ? [] : result.problems).toEqual([expect.objectContaining({ code: 'CSR_INVALID', detail: expect.stringContaining('S is not below the group order L') })]);
  });

  it('does not read a certificate whose Ed25519 key is the identity point', async () => {
    const agent = await issueTestAgent(ca, { name: NAME, capabilities: ['invoice.send'], now: NOW, kind: 'ed25519' });
    const der = pemToDer(agent.certificatePem, ['CERTIFICATE'])!.der;
    const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
    const at = Buffer.from(der).indexOf(spkiPrefix) + spkiPrefix.length;
    const weak = der.slice();
    weak.set(IDENTITY, at);
    expect(readCapabilityCertificate(agent.certificatePem).ok).toBe(true);
    const read = readCapabilityCertificate(derToPem(weak, 'CERTIFICATE'));
    expect(read.ok ? [] : read.problems).toEqual([expect.objectContaining({ code: 'CERT_INVALID', detail: expect.stringContaining('small-order point') })]);
  });
});
