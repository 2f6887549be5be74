import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { Clock, RecordStore } from '../core/ports.js';
import { Registry } from '../core/registry/registry.js';
import { registryCredentials } from '../core/registry/registry-credentials.js';
import { buildHttpFace, type HttpApp } from '../faces/http/server.js';
import { SqliteRecordStore } from '../store/sqlite/sqlite-store.js';
import { loadOrCreateCertificateAuthority, type LoadedCertificateAuthority } from './certificate-authority.js';
import type { ServeConfig } from './config.js';
import { loadOrCreateKeyFile } from './key-file.js';
import { SIGNPOST_VERSION } from './version.js';

export const systemClock: Clock = { now: () => Date.now() };

export interface RunningRegistry {
  readonly app: HttpApp;
  readonly registry: Registry;
  readonly store: RecordStore;
  readonly url: string;
  readonly keyCreated: boolean;
  /** The registry's private CA for capability certificates (files under `<dataDir>/ca/`). */
  readonly ca: LoadedCertificateAuthority;
  close(): Promise<void>;
}

/** Wire one registry process: key, embedded store, core, HTTP face; then listen. */
export async function startRegistry(config: ServeConfig): Promise<RunningRegistry> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const { key, created } = await loadOrCreateKeyFile(join(config.dataDir, 'registry-key.jwk'));
  const ca = await loadOrCreateCertificateAuthority(config.dataDir, systemClock);
  const store = SqliteRecordStore.open(join(config.dataDir, 'signpost.db'));
  const registry = new Registry({ store, key, clock: systemClock, certificateAuthority: ca.authority });
  const logger = pino({ level: config.logLevel, base: { service: 'signpost' } });
  const app = await buildHttpFace({ registry, clock: systemClock, logger, version: SIGNPOST_VERSION });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  // Only now is the port known (it may have been 0); no request has been handled yet.
  registry.useCredentials(registryCredentials(config.publicUrl ?? url, key));
  return {
    app,
    registry,
    store,
    url,
    keyCreated: created,
    ca,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
