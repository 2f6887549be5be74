export * from './types.js';
export * from './agent-addr.js';
export * from './agent-facts.js';
export * from './tombstone.js';
export * from './signing.js';
export * from './sequence.js';
export * from './verify.js';
export * from './registration.js';
