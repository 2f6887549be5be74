/**
 * A deployment record (spec section 23): the instances an agent runs now (where, which protocol
 * and version, capacity, current load, cost), signed by the agent's key and published apart from
 * its AgentFacts, so load and health can change every few seconds without a new facts credential.
 * The registry tailors endpoints from it (core/resolve/tailor.ts).
 */
import { problem, type Problem, type Result } from '../errors.js';
import { checkCanonicalName, checkTimestamp, formatUtcSeconds } from './agent-addr.js';
import { checkRecord, compileSchema } from './schema-check.js';
import { signRecord } from './signing.js';
import type { SigningKey } from '../trust/ed25519.js';
import type { SignedRecord } from './types.js';

export interface DeploymentInstance {
  /** Unique within the record: `boston-1`. */
  readonly id: string;
  readonly url: string;
  readonly protocol: string;
  readonly transport?: string;
  /** The version it runs, dotted numbers: `2.1.0`. */
  readonly version?: string;
  readonly region?: string;
  /** ISO 3166-1 alpha-2. */
  readonly country?: string;
  readonly city?: string;
  readonly latitude?: number;
  readonly longitude?: number;
  /** Concurrent calls it takes, and how many it has now. */
  readonly capacity?: number;
  readonly load?: number;
  /** Cost per call, in the currency the facts state. */
  readonly cost?: number;
  /** False takes it out of every choice. */
  readonly healthy?: boolean;
}

export interface Deployment {
  readonly type: 'Deployment';
  readonly v: 1;
  readonly name: string;
  /** RFC 3339 UTC: within 5 minutes of the registry clock, and after the last accepted record. */
  readonly at: string;
  readonly instances: readonly DeploymentInstance[];
}

export const MAX_DEPLOYMENT_INSTANCES = 64;

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

export const deploymentSchema = {
  $id: 'urn:signpost:schema:deployment:1',
  title: 'Deployment',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'v', 'name', 'at', 'instances'],
  properties: {
    type: { const: 'Deployment' },
    v: { const: 1 },
    name: text(512),
    at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
    instances: {
      type: 'array',
      maxItems: MAX_DEPLOYMENT_INSTANCES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'url', 'protocol'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
          url: { type: 'string', pattern: '^(https|wss)://[^\\s]+$', maxLength: 2048 },
          protocol: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{0,31}$' },
          transport: text(64),
          version: { type: 'string', pattern: '^\\d+(\\.\\d+){0,2}$' },
          region: text(64),
          country: { type: 'string', pattern: '^[A-Z]{2}$' },
          city: text(128),
          latitude: { type: 'number', minimum: -90, maximum: 90 },
          longitude: { type: 'number', minimum: -180, maximum: 180 },
          capacity: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
          load: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
          cost: { type: 'number', minimum: 0, maximum: 1_000_000 },
          healthy: { type: 'boolean' },
        },
      },
    },
  },
} as const;

const validateShape = compileSchema<Deployment>(deploymentSchema);

export function checkDeployment(value: unknown, pointer = ''): Result<Deployment> {
  return checkRecord(validateShape, value, pointer, 'RECORD_INVALID', (deployment) => [
    checkCanonicalName(deployment.name, `${pointer}/name`),
    checkTimestamp(deployment.at, `${pointer}/at`),
    uniqueIds(deployment.instances, `${pointer}/instances`),
  ]);
}

function uniqueIds(instances: readonly DeploymentInstance[], pointer: string): Problem | undefined {
  const seen = new Set<string>();
  for (const [i, instance] of instances.entries()) {
    if (seen.has(instance.id)) return problem('RECORD_INVALID', `instance id ${instance.id} is used twice`, `${pointer}/${i}/id`);
    seen.add(instance.id);
  }
  return undefined;
}

export function createDeployment(key: SigningKey, name: string, instances: readonly DeploymentInstance[], nowMs: number): SignedRecord<Deployment> {
  return signRecord<Deployment>({ type: 'Deployment', v: 1, name, at: formatUtcSeconds(nowMs), instances }, key);
}
