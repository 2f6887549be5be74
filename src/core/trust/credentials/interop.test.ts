/**
 * Interop: our credentials verify with the stock Digital Bazaar verifier, configured here from
 * scratch and independently of this folder's helpers (no createDocumentLoader, no verify*): its own
 * document loader from security-document-loader, the DID document added as a verifier would after
 * fetching `/.well-known/did.json`, DataIntegrityProof + eddsa-jcs-2022, and the status check of
 * vc-bitstring-status-list.
 */
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { securityLoader } from '@digitalbazaar/security-document-loader';
import { verifyCredential } from '@digitalbazaar/vc';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import { describe, expect, it } from 'vitest';
import { formatUtcSeconds } from '../../record/agent-addr.js';
import { issueCertificationCredential } from './certification-credential.js';
import { issueFactsCredential } from './facts-credential.js';
import { issueStatusListCredential } from './status-list.js';
import { agentKey, AGENT_NAME, auditor, factsInput, REGISTRY_DID, registry, registryDocument, statusUrl } from './test-support/fixtures.js';

/**
 * The stock status check verifies list credentials with the library's own clock (it passes no
 * `now`), so these credentials are valid around the real time rather than the fixed test time.
 */
const HOUR = 3_600_000;
const start = Math.floor(Date.now() / 1000) * 1000 - HOUR;
const window = { validFrom: formatUtcSeconds(start), validUntil: formatUtcSeconds(start + 24 * HOUR) };

/** JSON as a verifier would receive it over HTTP. */
const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const facts = wire(await issueFactsCredential({ ...factsInput, ...window }));
const lists = {
  clear: wire(await issueStatusListCredential({ issuer: registry, listUrl: statusUrl('revocation'), purpose: 'revocation', setIndices: [1, 2], ...window })),
  revoked: wire(await issueStatusListCredential({ issuer: registry, listUrl: statusUrl('revocation'), purpose: 'revocation', setIndices: [42], ...window })),
  suspension: wire(await issueStatusListCredential({ issuer: registry, listUrl: statusUrl('suspension'), purpose: 'suspension', setIndices: [], ...window })),
};

/** A verifier's own loader: the stock security loader plus the documents it fetched itself. */
function stockLoader(statusLists: object[]) {
  const loader = securityLoader();
  const didDocument = wire(registryDocument);
  loader.addStatic(REGISTRY_DID, didDocument);
  for (const method of didDocument.verificationMethod) loader.addStatic(method.id, { '@context': 'https://w3id.org/security/multikey/v1', ...method });
  for (const list of statusLists) loader.addStatic((list as { id: string }).id, list);
  return loader.build();
}

const suite = new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() });

function stockStatusCheck(documentLoader: ReturnType<typeof stockLoader>) {
  return (options: unknown) =>
    checkStatus({ ...(options as { credential: object }), suite, documentLoader, verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true });
}

interface StockStatusResult {
  verified: boolean;
  results: { verified: boolean; status: boolean; credentialStatus: { statusPurpose: string } }[];
}

describe('interop with the stock @digitalbazaar/vc verifier', () => {
  it('verifies our facts credential and both of its status lists', async () => {
    const documentLoader = stockLoader([lists.clear, lists.suspension]);
    const result = await verifyCredential({ credential: facts, suite, documentLoader, checkStatus: stockStatusCheck(documentLoader) });
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
    const status = (result as unknown as { statusResult: StockStatusResult }).statusResult;
    expect(status.results.map((r) => [r.credentialStatus.statusPurpose, r.status])).toEqual([['revocation', false], ['suspension', false]]);
  });

  it('reads our revoked bit', async () => {
    const documentLoader = stockLoader([lists.revoked, lists.suspension]);
    const result = await verifyCredential({ credential: facts, suite, documentLoader, checkStatus: stockStatusCheck(documentLoader) });
    const status = (result as unknown as { statusResult: StockStatusResult }).statusResult;
    expect(status.results.map((r) => [r.credentialStatus.statusPurpose, r.status])).toEqual([['revocation', true], ['suspension', false]]);
  });

  it('verifies our status list credential on its own', async () => {
    const result = await verifyCredential({ credential: lists.revoked, suite, documentLoader: stockLoader([]) });
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('verifies a certification by a did:key issuer with nothing but the stock loader', async () => {
    const hipaa = wire(await issueCertificationCredential({ issuer: auditor, subject: agentKey.did, agentName: AGENT_NAME, certification: { name: 'HIPAA' }, ...window }));
    const result = await verifyCredential({ credential: hipaa, suite, documentLoader: securityLoader().build() });
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('refuses our credential once altered', async () => {
    const altered = { ...facts, credentialSubject: { ...facts.credentialSubject, factsSha256: '0'.repeat(64) } };
    const documentLoader = stockLoader([lists.clear, lists.suspension]);
    const result = await verifyCredential({ credential: altered, suite, documentLoader, checkStatus: stockStatusCheck(documentLoader) });
    expect(result.verified).toBe(false);
  });
});
