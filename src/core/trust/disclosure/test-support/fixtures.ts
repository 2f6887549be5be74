/** A deterministic issuer, agent and capability credential for the disclosure tests (never built into dist/). */
import { T0, testKey } from '../../../test-support/agents.js';
import { formatUtcSeconds } from '../../../record/agent-addr.js';
import { capabilityPointer, deriveDisclosure, issueCapabilityCredential, type Capabilities, type DerivedCapabilityCredential } from '../capability-credential.js';
import { createDisclosureDocumentLoader } from '../document-loader.js';
import { createIssuerKeyPair } from '../issuer-keys.js';

export { T0 };
export const DAY = 86_400_000;
export const utc = (ms: number) => formatUtcSeconds(ms);
/** Inside the validity window of the fixture credential. */
export const NOW = T0 + 10 * DAY;

export const issuerKey = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(7) });
export const ISSUER = issuerKey.controller;
export const otherIssuerKey = await createIssuerKeyPair({ seed: new Uint8Array(32).fill(8) });

export const agentKey = testKey(1);
export const AGENT_NAME = 'agent://acme.com/ml/trainer';

/** Three capabilities; the monitor and deploy claims use values that occur nowhere else, so a leak is searchable. */
export const capabilities = {
  retrain: { models: ['churn-v2'], maxRuns: 5 },
  monitor: { dashboards: ['grafana-ops-7731'], alertChannel: 'pager-duty-ml-east' },
  deploy: { environments: ['prod-eu-west-9'], approvalsRequired: 31337, canary: true },
} as const satisfies Capabilities;
/** What must not appear anywhere in a disclosure of `retrain` alone. */
export const HIDDEN_TRACES = ['monitor', 'deploy', 'dashboards', 'grafana-ops-7731', 'alertChannel', 'pager-duty-ml-east', 'environments', 'prod-eu-west-9', 'approvalsRequired', '31337', 'canary', AGENT_NAME];

export const documentLoader = createDisclosureDocumentLoader();

export const credential = await issueCapabilityCredential({
  issuer: { did: ISSUER, keyPair: issuerKey },
  subject: { id: agentKey.did, name: AGENT_NAME },
  capabilities,
  validFrom: utc(T0),
  validUntil: utc(T0 + 90 * DAY),
});

export async function disclose(pointers: readonly string[] = [capabilityPointer('retrain')], presentationHeader?: Uint8Array): Promise<DerivedCapabilityCredential> {
  const result = await deriveDisclosure(credential, { selectivePointers: pointers, documentLoader, ...(presentationHeader ? { presentationHeader } : {}) });
  if (!result.ok) throw new Error(`derivation failed: ${JSON.stringify(result.problems)}`);
  return result.value;
}

export const verifyOptions = { documentLoader, now: NOW, trustedIssuers: [ISSUER] } as const;

export { tamper } from '../../credentials/test-support/fixtures.js';

/** Flip the lowest bit of one character (keeps a string a string, changes its value). */
export function flipChar(text: string, at: number): string {
  return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);
}

/** Positions 0..n-1: all of the first `head` and last `tail`, and `middle` evenly spread between. */
export function samplePositions(n: number, head: number, tail: number, middle: number): number[] {
  const positions = new Set<number>();
  for (let i = 0; i < Math.min(head, n); i++) positions.add(i);
  for (let i = Math.max(0, n - tail); i < n; i++) positions.add(i);
  const span = n - head - tail;
  for (let k = 0; k < middle && span > 0; k++) positions.add(head + Math.floor(((k + 0.5) * span) / middle));
  return [...positions].sort((a, b) => a - b);
}
