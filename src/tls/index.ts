export {
  MIN_TLS_VERSION,
  capabilityGuard,
  checkPeer,
  clientTlsOptions,
  peerProblemDocument,
  sendPeerProblems,
  serverTlsOptions,
  tlsErrorProblem,
} from './mutual-tls.js';
export { registryRevocationCheck, type RegistryRevocationCheckOptions } from './registry-status.js';
export type {
  CapabilityGuard,
  CapabilityGuardOptions,
  CheckPeerOptions,
  ClientTlsIdentity,
  PeerCheck,
  PeerProblemDocument,
  TlsIdentity,
} from './mutual-tls.js';
