/**
 * The JSON-LD contexts a verifier may be asked for, bundled so that nothing is ever fetched.
 *
 * eddsa-jcs-2022 signs JCS bytes, not RDF, so verifying our credentials never expands a context;
 * the contexts are still served for JSON-LD tooling that does (framing a DID document, a third
 * party's processor). Most come from installed packages; the two that no installed package ships
 * (Data Integrity v2 and Multikey v1) are transcribed here from their published documents
 * (https://w3id.org/security/data-integrity/v2, https://w3id.org/security/multikey/v1).
 */
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { contexts as statusListContexts } from '@digitalbazaar/vc-bitstring-status-list-context';
import { contexts as didContexts } from 'did-context';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const DID_V1_CONTEXT = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_V1_CONTEXT = 'https://w3id.org/security/multikey/v1';
export const DATA_INTEGRITY_V2_CONTEXT = 'https://w3id.org/security/data-integrity/v2';
/** Only needed by VC 1.1 credentials; VC 2.0 defines the status list terms in its own context. */
export const STATUS_LIST_V1_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1';

const SEC = 'https://w3id.org/security#';
const XSD_DATETIME = 'http://www.w3.org/2001/XMLSchema#dateTime';
const idTerm = (iri: string) => ({ '@id': iri, '@type': '@id' });
const relationship = (iri: string) => ({ '@id': iri, '@type': '@id', '@container': '@set' });

const multikeyV1 = {
  '@context': {
    id: '@id',
    type: '@type',
    '@protected': true,
    Multikey: {
      '@id': `${SEC}Multikey`,
      '@context': {
        '@protected': true,
        id: '@id',
        type: '@type',
        controller: idTerm(`${SEC}controller`),
        revoked: { '@id': `${SEC}revoked`, '@type': XSD_DATETIME },
        expires: { '@id': `${SEC}expiration`, '@type': XSD_DATETIME },
        publicKeyMultibase: { '@id': `${SEC}publicKeyMultibase`, '@type': `${SEC}multibase` },
        secretKeyMultibase: { '@id': `${SEC}secretKeyMultibase`, '@type': `${SEC}multibase` },
      },
    },
  },
};

const dataIntegrityV2 = {
  '@context': {
    id: '@id',
    type: '@type',
    '@protected': true,
    proof: { '@id': `${SEC}proof`, '@type': '@id', '@container': '@graph' },
    DataIntegrityProof: {
      '@id': `${SEC}DataIntegrityProof`,
      '@context': {
        '@protected': true,
        id: '@id',
        type: '@type',
        challenge: `${SEC}challenge`,
        created: { '@id': 'http://purl.org/dc/terms/created', '@type': XSD_DATETIME },
        domain: `${SEC}domain`,
        expires: { '@id': `${SEC}expiration`, '@type': XSD_DATETIME },
        nonce: `${SEC}nonce`,
        previousProof: idTerm(`${SEC}previousProof`),
        proofPurpose: {
          '@id': `${SEC}proofPurpose`,
          '@type': '@vocab',
          '@context': {
            '@protected': true,
            id: '@id',
            type: '@type',
            assertionMethod: relationship(`${SEC}assertionMethod`),
            authentication: relationship(`${SEC}authenticationMethod`),
            capabilityInvocation: relationship(`${SEC}capabilityInvocationMethod`),
            capabilityDelegation: relationship(`${SEC}capabilityDelegationMethod`),
            keyAgreement: relationship(`${SEC}keyAgreementMethod`),
          },
        },
        cryptosuite: { '@id': `${SEC}cryptosuite`, '@type': `${SEC}cryptosuiteString` },
        proofValue: { '@id': `${SEC}proofValue`, '@type': `${SEC}multibase` },
        verificationMethod: idTerm(`${SEC}verificationMethod`),
      },
    },
  },
};

function bundle(): ReadonlyMap<string, object> {
  const map = new Map<string, object>();
  for (const source of [credentialsContexts, statusListContexts, didContexts]) {
    for (const [url, context] of source) map.set(url, context);
  }
  map.set(MULTIKEY_V1_CONTEXT, multikeyV1);
  map.set(DATA_INTEGRITY_V2_CONTEXT, dataIntegrityV2);
  return map;
}

/** Every bundled context by URL (VC v1 and v2, undefined-terms v2, status list v1, DID v1, Multikey v1, Data Integrity v2). */
export const bundledContexts: ReadonlyMap<string, object> = bundle();
