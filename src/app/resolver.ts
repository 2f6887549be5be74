/**
 * The composition root of `signpost serve --role resolver`: no store and no registry key, only the
 * recursive resolver over the configured roots and its HTTP face.
 */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { RecursiveResolver } from '../client/recursive-resolver.js';
import { SignpostError } from '../core/errors.js';
import { buildResolverFace } from '../faces/resolver/resolver-server.js';
import type { ServeConfig } from './config.js';

export interface RunningResolver {
  readonly url: string;
  readonly resolver: RecursiveResolver;
  close(): Promise<void>;
}

export async function startResolver(config: ServeConfig): Promise<RunningResolver> {
  const roots = config.roots ?? [];
  if (roots.length === 0) throw new SignpostError('REQUEST_INVALID', 'a resolver needs at least one root registry: --root URL=did:key:…');
  const resolver = new RecursiveResolver({ roots });
  const app = await buildResolverFace(resolver, pino({ level: config.logLevel, base: { service: 'signpost-resolver' } }));
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new SignpostError('LISTEN_FAILED', `cannot listen on ${config.host}:${config.port} (${code}): give another --port`);
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}`, resolver, close: () => app.close() };
}
