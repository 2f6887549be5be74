/** Deterministic registry, agent and issuers for the credential tests (never built into dist/). */
import { createRegistration } from '../../../record/registration.js';
import { T0, testKey } from '../../../test-support/agents.js';
import { formatUtcSeconds } from '../../../record/agent-addr.js';
import { createDocumentLoader } from '../document-loader.js';
import { didKeyIssuer, didWebFromUrl, registryDidDocument, registryIssuer } from '../registry-did.js';
import type { StatusPurpose } from '../types.js';

export { T0 };
export const DAY = 86_400_000;
export const utc = (ms: number) => formatUtcSeconds(ms);

export const REGISTRY_URL = 'http://127.0.0.1:8700';
export const REGISTRY_DID = didWebFromUrl(REGISTRY_URL);
export const registryKey = testKey(9);
export const registryDocument = registryDidDocument(REGISTRY_DID, registryKey);
export const registry = registryIssuer(REGISTRY_DID, registryKey);

export const agentKey = testKey(1);
export const AGENT_NAME = 'agent://acme.com/billing/invoices';
export const registration = createRegistration({
  key: agentKey,
  name: AGENT_NAME,
  claims: {
    label: 'Invoices',
    description: 'Creates and sends invoices for Acme billing',
    skills: [{ id: 'create-invoice', name: 'Create invoice', tags: ['billing'] }],
    endpoints: { static: [{ url: 'https://agents.acme.com/invoices/a2a', protocol: 'a2a' }, 'https://agents.acme.com/invoices/mcp'] },
  },
  factsUrl: `${REGISTRY_URL}/v1/agents/${encodeURIComponent(AGENT_NAME)}/facts`,
  seq: 1,
  nowMs: T0,
});

/** Third-party issuers: an auditor by did:key, a compliance body by did:web. */
export const auditorKey = testKey(20);
export const auditor = didKeyIssuer(auditorKey);
export const COMPLIANCE_DID = didWebFromUrl('https://compliance.example');
export const complianceKey = testKey(21);
export const complianceDocument = registryDidDocument(COMPLIANCE_DID, complianceKey);
export const compliance = registryIssuer(COMPLIANCE_DID, complianceKey);

const didWebDocuments = new Map<string, object>([
  [REGISTRY_DID, registryDocument],
  [COMPLIANCE_DID, complianceDocument],
]);
export const documentLoader = createDocumentLoader({ didDocuments: (did) => didWebDocuments.get(did) });

export const statusUrl = (purpose: StatusPurpose, listId = 0) => `${REGISTRY_URL}/v1/status/${purpose}/${listId}`;

export const factsInput = {
  issuer: registry,
  facts: registration.facts.payload,
  agentSignature: registration.facts.sig,
  status: { revocation: { listUrl: statusUrl('revocation'), index: 42 }, suspension: { listUrl: statusUrl('suspension'), index: 42 } },
  validFrom: utc(T0),
  validUntil: utc(T0 + 90 * DAY),
  id: 'urn:uuid:5b3c9a0e-4f52-4c4e-9d2b-0f6f3d7a1e11',
};

/** Flip the lowest bit of one character of a string (keeps it a string, changes its value). */
export function flipChar(text: string, at = Math.floor(text.length / 2)): string {
  const code = text.charCodeAt(at) ^ 1;
  return text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
}

/** A deep copy with the string at `path` altered by `change`. */
export function tamper<T>(value: T, path: readonly (string | number)[], change: (old: unknown) => unknown): T {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  node[last] = change(node[last]);
  return copy as T;
}

export { testKey as testKeyFor };
