import { factsEndpoints } from '../record/agent-facts.js';
import type { AgentFacts } from '../record/types.js';
import type { SearchDocument } from './stored-agent.js';

interface SkillLike {
  id: string;
  name?: string;
  description?: string;
  tags?: string[];
}

/**
 * What search sees of an agent. Only the registrant's descriptive claims go into the text.
 * Certifications are not derived from the facts at all: a self-declared certification must never
 * satisfy a `certification=` filter, which only attested credentials do (./certifications.ts).
 */
export function searchDocumentOf(facts: AgentFacts): SearchDocument {
  const skills = (facts.skills as SkillLike[] | undefined) ?? [];
  const tags = (facts.tags as string[] | undefined) ?? [];
  const provider = facts.provider as { name?: string; organization?: string } | undefined;
  const text = [
    facts.label,
    facts.name,
    facts.description,
    provider?.name,
    provider?.organization,
    ...skills.flatMap((s) => [s.id, s.name, s.description, ...(s.tags ?? [])]),
    ...tags,
  ]
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join('\n');
  return {
    text,
    capabilities: unique([...skills.flatMap((s) => [s.id, ...(s.tags ?? [])]), ...tags]),
    protocols: unique(factsEndpoints(facts).map((e) => e.protocol)),
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.toLowerCase()))].sort();
}
