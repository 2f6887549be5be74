/**
 * `signpost`: the library. Names, signed records and their verification; the client lives at
 * `signpost/client` and mutual TLS at `signpost/tls` (re-exported here for convenience).
 */
export * from './client/index.js';
export { parseAgentName, formatAgentName, canonicalAgentName, toDnsOwnerName, fromDnsOwnerName, type AgentName, type ParsedName } from './core/name/index.js';
export { createRegistration, createTombstone, createStatusChange } from './core/record/registration.js';
export { encodeAgentAddr, decodeAgentAddr, encodingLength } from './core/record/compact-codec.js';
export { signingKeyFromSeed, signingKeyFromJwk, type SigningKey } from './core/trust/ed25519.js';
export { errorCatalogue, SignpostError, type Result } from './core/errors.js';
