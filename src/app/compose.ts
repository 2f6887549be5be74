import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { Clock, RecordStore } from '../core/ports.js';
import { NamespaceOwners } from '../core/registry/namespace-owners.js';
import { Registry } from '../core/registry/registry.js';
import { registryCredentials } from '../core/registry/registry-credentials.js';
import { CertificationRegistry } from '../core/registry/certifications.js';
import { createDocumentLoader } from '../core/trust/credentials/document-loader.js';
import { didDocumentLookup } from '../core/trust/did-web/did-resolver.js';
import { RegistryDisclosure } from '../core/registry/registry-disclosure.js';
import { buildHttpFace, type HttpApp } from '../faces/http/server.js';
import { SqliteRecordStore } from '../store/sqlite/sqlite-store.js';
import { loadOrCreateCertificateAuthority, type LoadedCertificateAuthority } from './certificate-authority.js';
import { loadTrustPolicy, type ServeConfig } from './config.js';
import type { TrustPolicy } from '../core/trust/credentials/certification-credential.js';
import { loadOrCreateDisclosureKey, type LoadedDisclosureKey } from './disclosure-key.js';
import { loadOrCreateKeyFile } from './key-file.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { registryDidResolver } from './did-web-resolver.js';
import { httpsStatusListSource } from './status-list-source.js';
import type { CachingDidResolver } from '../core/trust/did-web/caching-did-resolver.js';
import { SIGNPOST_VERSION } from './version.js';
import { TransparencyLog } from '../core/log/transparency-log.js';
import { registryResolution } from '../core/resolve/resolution-pipeline.js';

export const systemClock: Clock = { now: () => Date.now() };

/** Default seconds between sweeps of stored certifications against their issuers' status lists. */
export const DEFAULT_STATUS_SWEEP_SECONDS = 300;

export interface RunningRegistry {
  readonly app: HttpApp;
  readonly registry: Registry;
  readonly store: RecordStore;
  readonly url: string;
  readonly keyCreated: boolean;
  /** Third-party certification credentials under the configured trust policy. */
  readonly certifications: CertificationRegistry;
  /** The registry's private CA for capability certificates (files under `<dataDir>/ca/`). */
  readonly ca: LoadedCertificateAuthority;
  /** The BLS12-381 key of bbs-2023 capability credentials (`<dataDir>/disclosure-key.json`), published as `#bbs-1`. */
  readonly disclosureKey: LoadedDisclosureKey;
  /**
   * Resolves did:web (and did:key) for the registry's services: `--did-document` pins and the
   * registry's own document, then `<dataDir>/did-web-cache`, then HTTPS. Plug it into a credentials
   * loader with `createDocumentLoader({ didDocuments: didDocumentLookup(didResolver) })`.
   */
  readonly didResolver: CachingDidResolver;
  close(): Promise<void>;
}

/** Wire one registry process: key, embedded store, core, HTTP face; then listen. */
export async function startRegistry(config: ServeConfig): Promise<RunningRegistry> {
  // A bad trust policy stops the start before anything is created or opened.
  const trustPolicy = await loadTrustPolicy(config.trustPolicyFile);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // Before anything in the directory is read or created: a second server is refused here.
  const lock = lockDataDir(config.dataDir);
  try {
    return await startLocked(config, trustPolicy, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startLocked(config: ServeConfig, trustPolicy: TrustPolicy, lock: DataDirLock): Promise<RunningRegistry> {
  const logger = pino({ level: config.logLevel, base: { service: 'signpost' } });
  // A bad --did-document stops the start too. Failed fetches are logged, with the detail callers never see.
  // The DIDs the operator relies on (trusted issuers, named namespace owners) keep their cached
  // documents and fetch slots whatever other hosts do.
  const reliedOn = [...Object.values(trustPolicy).flat(), ...Object.values(config.namespaceOwners ?? {})].filter((did) => did.startsWith('did:web:'));
  const didResolver = await registryDidResolver(config, {
    onProblem: (did, p) => logger.warn({ did, code: p.code }, p.detail),
    protected: [...new Set(reliedOn)],
  });
  // Every key file first: a failure here leaves nothing open.
  const { key, created } = await loadOrCreateKeyFile(join(config.dataDir, 'registry-key.jwk'));
  const ca = await loadOrCreateCertificateAuthority(config.dataDir, systemClock);
  const disclosureKey = await loadOrCreateDisclosureKey(config.dataDir);
  const store = SqliteRecordStore.open(join(config.dataDir, 'signpost.db'));
  // Namespace owners' keys come from their DID documents through the same resolver.
  const namespaceOwners = new NamespaceOwners({ resolver: didResolver, ...(config.namespaceOwners ? { overrides: config.namespaceOwners } : {}) });
  const registry = new Registry({ store, key, clock: systemClock, certificateAuthority: ca.authority, namespaceOwners });
  // Issuers: did:key resolves offline, did:web through the resolver (pins, cache, then HTTPS).
  const certificationLoader = createDocumentLoader({ didDocuments: didDocumentLookup(didResolver) });
  // Issuers' status lists: HTTPS with the did:web fetcher's guards and switches, cached briefly.
  const statusLists = httpsStatusListSource({
    clock: systemClock,
    ...(config.allowHttpDidWeb ? { allowHttpLoopback: true } : {}),
    ...(config.allowPrivateDidWeb ? { allowPrivateNetwork: true } : {}),
    onProblem: (url, p, logDetail) => logger.warn({ url, code: p.code, ...(logDetail === undefined ? {} : { logDetail }) }, p.detail),
  });
  const certifications = new CertificationRegistry({ store, clock: systemClock, trustPolicy, documentLoader: certificationLoader, statusLists });
  const disclosure = new RegistryDisclosure({ registry, clock: systemClock, ...(config.disclosureValiditySeconds === undefined ? {} : { validitySeconds: config.disclosureValiditySeconds }) });
  // Certifications live as long as their binding: a deregistration, revocation or key change deletes them.
  registry.onChange(({ name }) => void certifications.prune(name).catch((error: unknown) => logger.warn({ name, err: error }, 'could not prune certifications')));
  let app: HttpApp | undefined;
  let url: string;
  try {
    app = await buildHttpFace({
      registry,
      clock: systemClock,
      logger,
      version: SIGNPOST_VERSION,
      certifications,
      disclosure,
      didResolver,
      log: new TransparencyLog(store, key, systemClock),
      resolution: registryResolution(registry, systemClock),
      resolveCache: { maxEntries: config.resolveCacheEntries, maxBytes: config.resolveCacheBytes },
      ...(config.bodyTimeoutSeconds === undefined ? {} : { bodyTimeoutMs: config.bodyTimeoutSeconds * 1000 }),
    });
    // Requests that arrive between listen and the issuer's set-up wait for it, so no registration
    // is ever accepted without its facts credential and /v1/registry always shows the key binding.
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    app.addHook('onRequest', async () => ready);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    // Only now is the port known (it may have been 0); requests wait at the gate above until this is done.
    // The disclosure key is named under the did:web too (#bbs-1), and embedded in its DID document.
    registry.useCredentials(await disclosure.useIssuer(registryCredentials(config.publicUrl ?? url, key), key, disclosureKey.keyPair));
    markReady();
  } catch (error) {
    // A failed start closes what it opened, so the data directory is not left locked or half-served.
    await app?.close();
    await store.close();
    throw error;
  }
  // Issuers' revocations reach search through a periodic sweep of the stored certifications' status
  // lists (a list that cannot be had keeps its certification: stale-if-error, logged). One at a time.
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    if (sweeping !== undefined) return;
    sweeping = certifications
      .sweepStatus()
      .then((result) => {
        for (const c of result.removed) logger.info({ name: c.agentName, certification: c.certification, issuer: c.issuer }, 'certification removed: its issuer revoked or suspended it');
        for (const { certification: c, problems } of result.unverified) {
          logger.warn({ name: c.agentName, certification: c.certification, issuer: c.issuer, codes: problems.map((p) => p.code) }, `certification kept, its status could not be checked: ${problems[0]?.detail ?? ''}`);
        }
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'the certification status sweep failed'))
      .finally(() => (sweeping = undefined));
  };
  const sweepTimer = setInterval(sweep, (config.statusSweepSeconds ?? DEFAULT_STATUS_SWEEP_SECONDS) * 1000);
  sweepTimer.unref();
  // The registry's own DID is answered from memory, never fetched from itself (it may be plain http).
  const ownDid = registry.credentials ? didResolver.pin(registry.credentials.didDocument) : undefined;
  if (ownDid && !ownDid.ok) logger.warn({ problems: ownDid.problems }, 'the registry DID document does not validate as a DID document');
  return {
    app,
    registry,
    store,
    url,
    keyCreated: created,
    certifications,
    ca,
    disclosureKey,
    didResolver,
    async close() {
      clearInterval(sweepTimer);
      await sweeping;
      await app.close();
      await didResolver.idle();
      await store.close();
      lock.release();
    },
  };
}
