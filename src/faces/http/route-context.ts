/**
 * What every route module gets: the fastify instance it registers on and the services behind
 * the face. Routes import this, never server.ts, which imports the routes.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Clock, RecordStore } from '../../core/ports.js';
import type { CertificationRegistry } from '../../core/registry/certifications.js';
import type { StatusListPublisher } from '../../core/registry/registry-credentials.js';
import type { RegistryDisclosure } from '../../core/registry/registry-disclosure.js';
import type { Registry } from '../../core/registry/registry.js';
import type { DidResolver } from '../../core/trust/did-web/did-resolver.js';
import type { TransparencyLog } from '../../core/log/transparency-log.js';
import type { ResolutionPipeline } from '../../core/resolve/resolution-pipeline.js';
import type { Metrics } from './metrics.js';
import type { ResolveCache } from './resolve-cache.js';

export interface HttpFaceDeps {
  readonly registry: Registry;
  readonly statusLists: StatusListPublisher;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly cache: ResolveCache;
  readonly version: string;
  /** The optional services, as given in HttpFaceOptions; a route without its service answers ROUTE_NOT_FOUND. */
  readonly certifications?: CertificationRegistry | undefined;
  readonly disclosure?: RegistryDisclosure | undefined;
  readonly didResolver?: DidResolver | undefined;
  readonly log?: TransparencyLog | undefined;
  /** The store's log, read as the change feed. */
  readonly changes?: Pick<RecordStore, 'logSize' | 'logEntries'> | undefined;
  /** The core resolution pipeline: the resolve route only translates to and from it. */
  readonly resolution: ResolutionPipeline;
}

export type HttpApp = FastifyInstance<any, any, any, FastifyBaseLogger, TypeBoxTypeProvider>;
