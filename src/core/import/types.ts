/**
 * What an importer proposes: one candidate per foreign entry that maps to a valid agent name and
 * valid AgentFacts claims, and one skip (with its reason) per entry that does not.
 *
 * Importers are pure: they read a parsed document and return a plan; registering the candidates
 * (keys, signatures, records) is the caller's job.
 */

export interface ImportCandidate {
  /** The original id, e.g. "io.github.21st-dev/magic-mcp" or an A2A card's name. */
  readonly source: string;
  /** Canonical `agent://…` name. */
  readonly name: string;
  /** AgentFacts claims without type/v/id/agent_name (the caller adds those once it has the agent key). */
  readonly claims: Record<string, unknown>;
}

export interface ImportSkip {
  readonly source: string;
  /** Why the entry was not imported; name problems read `<NAME_* code>: <detail>`. */
  readonly reason: string;
}

export interface ImportPlan {
  readonly candidates: readonly ImportCandidate[];
  readonly skipped: readonly ImportSkip[];
}
