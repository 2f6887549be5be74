export type { ImportCandidate, ImportPlan, ImportSkip } from './types.js';
export { planMcpImport } from './mcp.js';
export { planA2aImport, type A2aOrigin } from './a2a.js';
export { packageUrl, type PackageRef } from './purl.js';
export { normalizeLabel, truncateText, PLACEHOLDER_AGENT_ID } from './common.js';
