/** `signpost/client`: resolve agent names and verify every answer before using it. */
export { SignpostClient, type ResolveOptions, type ResolveResult, type SignpostClientOptions, type WatchOptions } from './signpost-client.js';
export { ChangeWatch, type ChangeWatchOptions, type WatchedChange } from './change-watch.js';
export { RegistryClient, type RegistryIdentity, type ResolveAnswer, type SearchAnswer, type SearchParams } from './registry-client.js';
export { verifyResolveAnswerFully, type AnswerVerification, type FullVerifyOptions } from './verify-answer-fully.js';
export { CredentialStatusReader, type CredentialStatus, type CredentialStatusReaderOptions } from './credential-checks.js';
/** The offline stage of verifyResolveAnswerFully alone: it does not read revocation; do not rely on it by itself. */
export { verifyResolveAnswer } from './verify-answer.js';
export { RecursiveResolver, type RecursiveResolverOptions, type RecursiveResult, type RegistryHint, type TraceStep } from './recursive-resolver.js';
export { checkReferral, isReferral, type ReferralAnswer } from './referral.js';
export { SearchPathResolver, type BoundaryCrossingReport, type SearchPathEntry, type SearchPathOptions, type SearchPathResult } from './search-path.js';
export type { Ownership } from '../core/registry/namespace-claims.js';
export { verifyEndpointToken, type EndpointTokenClaims, type EndpointTokenExpectations } from '../core/trust/endpoint-token.js';
export { createDeployment, type Deployment, type DeploymentInstance } from '../core/record/deployment.js';
export type { TailoringContext } from '../core/resolve/tailor.js';
export { verifyAgentRecords, type VerificationResult } from '../core/record/verify.js';
export { followRotations, nextKeyCommitment } from '../core/record/key-rotation.js';
export type { AgentEndpoint, AgentFacts, AgentAddr, KeyRotation } from '../core/record/types.js';
export type { RequesterContext } from '../core/resolve/choose-endpoint.js';
export type { Problem, ErrorCode } from '../core/errors.js';
export * from './disclosure.js';
export { auditLogCopy, type LogAudit, type LogAuditOptions, type LogCopy } from './log-audit.js';
export { checkConsistency, checkInclusion, checkTreeHead, entryLeafHash, type ConsistencyProof, type InclusionProof, type TreeHead } from '../core/log/transparency-log.js';
export type { DisclosureCheck } from '../core/trust/disclosure/disclosure-check.js';
