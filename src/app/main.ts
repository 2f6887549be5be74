/**
 * The composition root: one registry process is its shared core services, built once from the
 * configuration, and the faces that translate protocols to them (`Face`: HTTP today; DNS, gossip,
 * the resolver and the web explorer plug in the same way). `startRegistry` builds the services,
 * starts the faces in order, and closes everything in reverse.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { NamespaceOwners } from '../core/registry/namespace-owners.js';
import { namespaceEvidence } from '../adapters/namespace-evidence.js';
import { Registry } from '../core/registry/registry.js';
import { CertificationRegistry } from '../core/registry/certifications.js';
import { createDocumentLoader } from '../core/trust/credentials/document-loader.js';
import { didDocumentLookup } from '../core/trust/did-web/did-resolver.js';
import { RegistryDisclosure } from '../core/registry/registry-disclosure.js';
import type { HttpApp } from '../faces/http/server.js';
import { SqliteRecordStore } from '../store/sqlite/sqlite-store.js';
import { loadOrCreateCertificateAuthority } from '../adapters/certificate-authority.js';
import { loadTrustPolicy, type ServeConfig } from './config.js';
import type { TrustPolicy } from '../core/trust/credentials/certification-credential.js';
import { loadOrCreateDisclosureKey } from '../adapters/disclosure-key.js';
import { loadOrCreateKeyFile } from '../adapters/key-file.js';
import { lockDataDir, type DataDirLock } from '../adapters/data-dir-lock.js';
import { registryDidResolver } from './did-web-resolver.js';
import { httpsStatusListSource } from '../adapters/status-list-source.js';
import { TransparencyLog } from '../core/log/transparency-log.js';
import { LogWatch, notifyingStore } from '../core/log/log-watch.js';
import { registryResolution } from '../core/resolve/resolution-pipeline.js';
import type { Face } from './face.js';
import type { RegistryServices } from './registry-services.js';
import { httpFace } from './http-face.js';
import { dnsFace } from './dns-face.js';
import { systemClock } from '../adapters/system-clock.js';

/** Default seconds between sweeps of stored certifications against their issuers' status lists. */
export const DEFAULT_STATUS_SWEEP_SECONDS = 300;

export interface RunningRegistry extends RegistryServices {
  /** The HTTP face's fastify app. */
  readonly app: HttpApp;
  /** The faces, in the order they started. */
  readonly faces: readonly Face[];
  /** The HTTP face's URL. */
  readonly url: string;
  /** Each face's address, by face name (`http`, `dns`). */
  readonly urls: Readonly<Record<string, string>>;
  readonly keyCreated: boolean;
  close(): Promise<void>;
}

/** Wire one registry process: key, embedded store, core services, faces; then serve. */
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
  const { services, keyCreated } = await buildServices(config, trustPolicy, logger);
  const http = httpFace(services, config, logger);
  const faces: Face[] = [http, ...(config.dnsPort === undefined ? [] : [dnsFace(services, { ...config, dnsPort: config.dnsPort }, logger)])];
  const urls: Record<string, string> = {};
  const started: Face[] = [];
  let url: string | undefined;
  try {
    for (const face of faces) {
      const address = await face.start();
      started.push(face);
      url ??= address.url;
      urls[face.name] = address.url;
    }
  } catch (error) {
    // A failed start closes what it opened, so the data directory is not left locked or half-served.
    for (const face of started.reverse()) await face.close();
    await services.store.close();
    throw error;
  }
  const stopSweeping = sweepCertificationStatus(services.certifications, config, logger);
  // The registry's own DID is answered from memory, never fetched from itself (it may be plain http).
  const { registry, didResolver, store } = services;
  const ownDid = registry.credentials ? didResolver.pin(registry.credentials.didDocument) : undefined;
  if (ownDid && !ownDid.ok) logger.warn({ problems: ownDid.problems }, 'the registry DID document does not validate as a DID document');
  return {
    ...services,
    app: http.app()!,
    faces,
    urls,
    url: url!,
    keyCreated,
    async close() {
      await stopSweeping();
      for (const face of [...faces].reverse()) await face.close();
      await didResolver.idle();
      await store.close();
      lock.release();
    },
  };
}

/** The core services, from the configuration: key files first, so a failure there leaves nothing open. */
async function buildServices(config: ServeConfig, trustPolicy: TrustPolicy, logger: Logger): Promise<{ services: RegistryServices; keyCreated: boolean }> {
  const clock = systemClock;
  // A bad --did-document stops the start too. Failed fetches are logged, with the detail callers never see.
  // The DIDs the operator relies on (trusted issuers, named namespace owners) keep their cached
  // documents and fetch slots whatever other hosts do.
  const reliedOn = [...Object.values(trustPolicy).flat(), ...Object.values(config.namespaceOwners ?? {})].filter((did) => did.startsWith('did:web:'));
  const didResolver = await registryDidResolver(config, {
    onProblem: (did, p) => logger.warn({ did, code: p.code }, p.detail),
    protected: [...new Set(reliedOn)],
  });
  const { key, created } = await loadOrCreateKeyFile(join(config.dataDir, 'registry-key.jwk'));
  const ca = await loadOrCreateCertificateAuthority(config.dataDir, clock);
  const disclosureKey = await loadOrCreateDisclosureKey(config.dataDir);
  // Every write pokes the live watch, whoever makes it (registry, certifications, later gossip).
  let watch: LogWatch | undefined;
  const store = notifyingStore(SqliteRecordStore.open(join(config.dataDir, 'signpost.db')), () => void watch?.poke().catch((error: unknown) => logger.error({ err: error }, 'the live watch could not read the log')));
  watch = new LogWatch(store, { ...(config.watchMaxSubscribers === undefined ? {} : { maxSubscribers: config.watchMaxSubscribers }) });
  // Namespace owners' keys come from their DID documents through the same resolver.
  const namespaceOwners = new NamespaceOwners({ resolver: didResolver, ...(config.namespaceOwners ? { overrides: config.namespaceOwners } : {}) });
  // Namespace claims are proven by what the domain publishes: DNS TXT, its well-known file, its did:web.
  const evidence = namespaceEvidence({
    ...(config.ownershipDnsServers ? { dnsServers: config.ownershipDnsServers } : {}),
    ...(config.allowPrivateDidWeb ? { allowPrivateNetwork: true } : {}),
  });
  const registry = new Registry({
    store,
    key,
    clock,
    certificateAuthority: ca.authority,
    namespaceOwners,
    ...(config.namespaceMode ? { namespaceMode: config.namespaceMode } : {}),
    proofSources: { evidence, didResolver },
    ...(config.auditFrom ? { auditors: config.auditFrom } : {}),
  });
  // Issuers: did:key resolves offline, did:web through the resolver (pins, cache, then HTTPS).
  const certificationLoader = createDocumentLoader({ didDocuments: didDocumentLookup(didResolver) });
  // Issuers' status lists: HTTPS with the did:web fetcher's guards and switches, cached briefly.
  const statusLists = httpsStatusListSource({
    clock,
    ...(config.allowHttpDidWeb ? { allowHttpLoopback: true } : {}),
    ...(config.allowPrivateDidWeb ? { allowPrivateNetwork: true } : {}),
    onProblem: (url, p, logDetail) => logger.warn({ url, code: p.code, ...(logDetail === undefined ? {} : { logDetail }) }, p.detail),
  });
  const certifications = new CertificationRegistry({ store, clock, trustPolicy, documentLoader: certificationLoader, statusLists });
  const disclosure = new RegistryDisclosure({ registry, clock, ...(config.disclosureValiditySeconds === undefined ? {} : { validitySeconds: config.disclosureValiditySeconds }) });
  // Certifications live as long as their binding: a deregistration, revocation or key change deletes them.
  registry.onChange(({ name }) => void certifications.prune(name).catch((error: unknown) => logger.warn({ name, err: error }, 'could not prune certifications')));
  const services: RegistryServices = {
    clock,
    key,
    store,
    registry,
    resolution: registryResolution(registry, clock),
    log: new TransparencyLog(store, key, clock),
    watch,
    certifications,
    disclosure,
    didResolver,
    ca,
    disclosureKey,
  };
  return { services, keyCreated: created };
}

/**
 * Issuers' revocations reach search through a periodic sweep of the stored certifications' status
 * lists (a list that cannot be had keeps its certification: stale-if-error, logged). One at a
 * time. Returns the function that stops it, after the sweep under way.
 */
function sweepCertificationStatus(certifications: CertificationRegistry, config: ServeConfig, logger: Logger): () => Promise<void> {
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
  const timer = setInterval(sweep, (config.statusSweepSeconds ?? DEFAULT_STATUS_SWEEP_SECONDS) * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await sweeping;
  };
}
