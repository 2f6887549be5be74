export {
  canonicalAgentName,
  formatAgentName,
  fromDnsOwnerName,
  isCanonicalAgentName,
  parseAgentName,
  toDnsOwnerName,
  toUrn,
} from './agent-name.js';
export type { AgentName, NameForm, NameHints, ParsedName } from './agent-name.js';
