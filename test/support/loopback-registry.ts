/**
 * A registry as a peer: the core rules and the HTTP face listening on a loopback port, issuing
 * credentials under its URL. For in-process tests and benchmarks of what talks to registries
 * (the recursive resolver, search paths); the caller closes `app`.
 */
import type { AddressInfo } from 'node:net';
import { Registry, type RegistryOptions } from '../../src/core/registry/registry.js';
import { registryCredentials } from '../../src/core/registry/registry-credentials.js';
import { buildHttpFace, type HttpApp } from '../../src/faces/http/server.js';

export interface LoopbackRegistry {
  readonly registry: Registry;
  readonly app: HttpApp;
  /** Its URL and key, as a resolver names a registry. */
  readonly hint: { readonly url: string; readonly registryKey: string };
}

export async function loopbackRegistry(options: RegistryOptions): Promise<LoopbackRegistry> {
  const registry = new Registry(options);
  const app = await buildHttpFace({ registry, clock: options.clock });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  registry.useCredentials(registryCredentials(url, options.key));
  return { registry, app, hint: { url, registryKey: options.key.did } };
}
