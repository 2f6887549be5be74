/**
 * The HTTP face as the composition root starts it: the fastify app of faces/http over the shared
 * services, listening on the configured host and port. The registry's did:web names its URL, so
 * the credential issuer is set up only once the port is known; requests that arrive before that
 * wait at a gate, so no registration is ever accepted without its facts credential.
 */
import type { FastifyBaseLogger } from 'fastify';
import { registryCredentials } from '../core/registry/registry-credentials.js';
import { buildHttpFace, type HttpApp } from '../faces/http/server.js';
import type { ServeConfig } from './config.js';
import type { Face } from './face.js';
import type { RegistryServices } from './registry-services.js';
import { SIGNPOST_VERSION } from './version.js';
import { systemTimers } from '../adapters/system-timers.js';

export interface HttpFace extends Face {
  /** The fastify app, once started. */
  readonly app: () => HttpApp | undefined;
}

export function httpFace(services: RegistryServices, config: ServeConfig, logger: FastifyBaseLogger): HttpFace {
  let app: HttpApp | undefined;
  return {
    name: 'http',
    app: () => app,
    async start() {
      const { registry, clock, certifications, disclosure, didResolver, log, resolution, key, disclosureKey, store, watch } = services;
      try {
        app = await buildHttpFace({
          registry,
          clock,
          logger,
          version: SIGNPOST_VERSION,
          certifications,
          disclosure,
          didResolver,
          log,
          changes: store,
          resolution,
          resolveCache: { maxEntries: config.resolveCacheEntries, maxBytes: config.resolveCacheBytes },
          watch: { watch, timers: systemTimers, ...(config.watchHeartbeatSeconds === undefined ? {} : { heartbeatMs: config.watchHeartbeatSeconds * 1000 }) },
          ...(config.bodyTimeoutSeconds === undefined ? {} : { bodyTimeoutMs: config.bodyTimeoutSeconds * 1000 }),
        });
        let markReady!: () => void;
        const ready = new Promise<void>((resolve) => (markReady = resolve));
        app.addHook('onRequest', async () => ready);
        await app.listen({ host: config.host, port: config.port });
        const address = app.server.address();
        const port = typeof address === 'object' && address !== null ? address.port : config.port;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
        // Only now is the port known (it may have been 0). The disclosure key is named under the
        // did:web too (#bbs-1), and embedded in its DID document.
        registry.useCredentials(await disclosure.useIssuer(registryCredentials(config.publicUrl ?? url, key), key, disclosureKey.keyPair));
        markReady();
        return { url };
      } catch (error) {
        await app?.close();
        app = undefined;
        throw error;
      }
    },
    async close() {
      await app?.close();
    },
  };
}
