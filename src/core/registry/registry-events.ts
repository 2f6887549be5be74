/**
 * The event the registry appends to its log for each write (core/log/log-event.ts): what kind of
 * write it was, and the SHA-256 of every signed record it stored, so a record someone holds leads
 * to the event that published it.
 */
import type { AgentEventDraft, AgentEventKind, CertificationEventDraft, CertificationEventKind } from '../log/log-event.js';
import type { StoredCertification } from '../ports.js';
import { canonicalSha256Hex } from '../trust/jcs.js';
import type { StoredAgent } from './stored-agent.js';

/** The event of writing `agent` (the name's state after the write). */
export function logEventOf(kind: AgentEventKind, agent: StoredAgent): AgentEventDraft {
  return { kind, name: agent.name, at: agent.updatedAt, agentId: agent.agentId, seq: agent.seq, state: agent.state, records: recordDigestsOf(kind, agent) };
}

/** The records this kind of write stored: those it adds to the name's state. */
function recordDigestsOf(kind: AgentEventKind, agent: StoredAgent): Record<string, string> {
  if (agent.state === 'deregistered') return { tombstone: canonicalSha256Hex(agent.tombstone) };
  switch (kind) {
    case 'registered':
    case 'updated':
    case 'key-rotated': {
      const rotation = kind === 'key-rotated' ? agent.rotations?.at(-1) : undefined;
      return {
        addr: canonicalSha256Hex(agent.addr),
        facts: canonicalSha256Hex(agent.facts),
        ...(rotation === undefined ? {} : { rotation: canonicalSha256Hex(rotation) }),
        ...(agent.credential === undefined ? {} : { credential: canonicalSha256Hex(agent.credential.vc) }),
      };
    }
    case 'status-changed':
      return agent.lastStatusChange === undefined ? {} : { statusChange: canonicalSha256Hex(agent.lastStatusChange) };
    case 'capabilities-granted':
      return agent.capabilityGrant === undefined ? {} : { grant: canonicalSha256Hex(agent.capabilityGrant) };
    case 'deployment-updated':
      return agent.deployment === undefined ? {} : { deployment: canonicalSha256Hex(agent.deployment) };
    case 'deregistered':
      return {};
  }
}

/** The event of storing or removing a certification credential (`records.certification`: the digest of the credential as its issuer signed it). */
export function certificationEventOf(kind: CertificationEventKind, certification: StoredCertification, at: string): CertificationEventDraft {
  const { agentName: name, certification: certificationName, issuer, subject, digest } = certification;
  return { kind, name, at, certification: certificationName, issuer, subject, records: { certification: digest } };
}
