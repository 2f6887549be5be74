/** The core services every face of one registry process shares, built once by main.ts. */
import type { Clock, RecordStore } from '../core/ports.js';
import type { TransparencyLog } from '../core/log/transparency-log.js';
import type { LogWatch } from '../core/log/log-watch.js';
import type { CertificationRegistry } from '../core/registry/certifications.js';
import type { RegistryDisclosure } from '../core/registry/registry-disclosure.js';
import type { Registry } from '../core/registry/registry.js';
import type { ResolutionPipeline } from '../core/resolve/resolution-pipeline.js';
import type { SigningKey } from '../core/trust/ed25519.js';
import type { CachingDidResolver } from '../core/trust/did-web/caching-did-resolver.js';
import type { LoadedCertificateAuthority } from '../adapters/certificate-authority.js';
import type { LoadedDisclosureKey } from '../adapters/disclosure-key.js';

export interface RegistryServices {
  readonly clock: Clock;
  /** The registry's Ed25519 key (`<dataDir>/registry-key.jwk`): countersignatures, log heads, credentials. */
  readonly key: SigningKey;
  readonly store: RecordStore;
  readonly registry: Registry;
  /** Resolution, as every face resolves. */
  readonly resolution: ResolutionPipeline;
  /** The event log as a transparency log. */
  readonly log: TransparencyLog;
  /** The event log pushed live to subscribers; every store write pokes it. */
  readonly watch: LogWatch;
  /** Third-party certification credentials under the configured trust policy. */
  readonly certifications: CertificationRegistry;
  readonly disclosure: RegistryDisclosure;
  /**
   * Resolves did:web (and did:key) for the registry's services: `--did-document` pins and the
   * registry's own document, then `<dataDir>/did-web-cache`, then HTTPS. Plug it into a credentials
   * loader with `createDocumentLoader({ didDocuments: didDocumentLookup(didResolver) })`.
   */
  readonly didResolver: CachingDidResolver;
  /** The registry's private CA for capability certificates (files under `<dataDir>/ca/`). */
  readonly ca: LoadedCertificateAuthority;
  /** The BLS12-381 key of bbs-2023 capability credentials (`<dataDir>/disclosure-key.json`), published as `#bbs-1`. */
  readonly disclosureKey: LoadedDisclosureKey;
}

