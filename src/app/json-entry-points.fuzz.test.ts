/**
 * Fuzz every route that takes a JSON body, on the fully composed registry (SQLite store, CA,
 * disclosure key, certifications): random JSON, random text, deep nesting, duplicate names and
 * random mutations of a signed body that the registry must refuse anyway (a stale registration, a
 * stranger's tombstone, status change, grant and requests). Whatever arrives, the answer is never
 * a 5xx, always a catalogued problem, and nothing stored changes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode } from '../core/errors.js';
import { createCapabilityCredentialRequest } from '../core/record/capability-credential-request.js';
import { createCapabilityGrant } from '../core/record/capability-grant.js';
import { createCertificateRequest } from '../core/record/certificate-request.js';
import { createStatusChange, createTombstone } from '../core/record/registration.js';
import { registrationFor, testKey } from '../core/test-support/agents.js';
import { statusOf } from '../faces/http/problem.js';
import { startRegistry, type RunningRegistry } from './main.js';
import { serveConfig } from './config.js';

const NAME = 'agent://acme.com/billing/invoices';
const PATH_NAME = encodeURIComponent(NAME);
const owner = testKey(1);
const stranger = testKey(2);
let running: RunningRegistry;
let dataDir: string;

/** Everything a refused request must leave as it was. */
async function snapshot(): Promise<string> {
  const { store } = running;
  return JSON.stringify([
    await store.get(NAME),
    await store.count(),
    await store.statusEntries('revocation'),
    await store.statusEntries('suspension'),
    await store.certificationsOf(NAME),
  ]);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'signpost-fuzz-'));
  const config = serveConfig({ host: '127.0.0.1', port: 0, data: dataDir, logLevel: 'silent' }, {});
  if (!config.ok) throw new Error(config.problems[0]!.detail);
  running = await startRegistry(config.value);
  const registered = await running.app.inject({ method: 'POST', url: '/v1/agents', payload: registrationFor(owner, NAME, 1, { nowMs: Date.now() }) });
  expect(registered.statusCode).toBe(201);
});

afterAll(async () => {
  await running?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Each body route with a signed body it must refuse even unmodified, so every mutation must be refused too. */
function routes(): { method: 'POST' | 'DELETE'; url: string; template: unknown }[] {
  const now = Date.now();
  return [
    { method: 'POST', url: '/v1/agents', template: registrationFor(owner, NAME, 1, { nowMs: now }) },
    { method: 'DELETE', url: `/v1/agents/${PATH_NAME}`, template: createTombstone(stranger, NAME, 5) },
    { method: 'POST', url: `/v1/agents/${PATH_NAME}/revoke`, template: createStatusChange(stranger, NAME, 'revoke', 'fuzz', now) },
    { method: 'POST', url: `/v1/agents/${PATH_NAME}/capabilities`, template: createCapabilityGrant(stranger, NAME, ['payments.read'], now) },
    {
      method: 'POST',
      url: '/v1/certificates',
      template: createCertificateRequest({ key: stranger, name: NAME, csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n', validitySeconds: 300, nowMs: now }),
    },
    {
      method: 'POST',
      url: `/v1/agents/${PATH_NAME}/certifications`,
      template: {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiableCredential', 'CertificationCredential'],
        issuer: stranger.did,
        credentialSubject: { id: owner.did, certification: 'HIPAA' },
        proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022', verificationMethod: `${stranger.did}#x`, proofValue: 'z1' },
      },
    },
    { method: 'POST', url: `/v1/agents/${PATH_NAME}/capability-credential`, template: createCapabilityCredentialRequest({ key: stranger, name: NAME, nowMs: now }) },
    { method: 'POST', url: '/v1/disclosures/verify', template: { credential: { type: ['VerifiableCredential'], proof: { proofValue: 'u2V0' } }, capability: 'payments.read' } },
  ];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path into a JSON value, as arrays of keys and indices. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (value !== null && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  return here;
}

function replaceAt(value: Json, path: readonly (string | number)[], replacement: Json | undefined): Json {
  if (path.length === 0) return replacement ?? null;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (replacement === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = replaceAt(copy[head as number]!, rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, Json>) };
  if (replacement === undefined && rest.length === 0) delete copy[head as string];
  else copy[head as string] = replaceAt(copy[head as string]!, rest, replacement);
  return copy;
}

/** Bodies as text: mutations of the template, random JSON, random text, deep nesting and duplicate names. */
function bodies(template: unknown): fc.Arbitrary<string> {
  const base = JSON.parse(JSON.stringify(template)) as Json;
  const paths = pathsOf(base);
  const mutated = fc
    .tuple(fc.nat({ max: paths.length - 1 }), fc.oneof(fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, fc.constant(undefined)))
    .map(([i, replacement]) => JSON.stringify(replaceAt(base, paths[i]!, replacement)));
  const text = JSON.stringify(base);
  const duplicated = fc.nat({ max: paths.length - 1 }).map((i) => {
    const key = paths[i]!.at(-1);
    return typeof key === 'string' ? text.replace(`"${key}":`, `"${key}":1,"${key}":`) : text;
  });
  const deep = fc.integer({ min: 30, max: 40_000 }).map((depth) => `{"payload":${'['.repeat(depth)}${']'.repeat(depth)},"sig":"x"}`);
  const surrogate = fc.constantFrom('\\ud800', '\\udfff', '\\ud83d x').map((lone) => text.replace(/"([a-z]+)":"/, `"$1":"${lone}`));
  return fc.oneof(mutated, mutated, fc.jsonValue().map((v) => JSON.stringify(v)), fc.string(), duplicated, deep, surrogate);
}

describe('every JSON entry point, fuzzed', () => {
  it('never answers 5xx, always a catalogued problem, and stores nothing', async () => {
    const before = await snapshot();
    for (const route of routes()) {
      await fc.assert(
        fc.asyncProperty(bodies(route.template), async (body) => {
          const response = await running.app.inject({ method: route.method, url: route.url, payload: body, headers: { 'content-type': 'application/json' } });
          const context = `${route.method} ${route.url} ${body.slice(0, 200)}`;
          expect(response.statusCode, context).toBeLessThan(500);
          if (route.url === '/v1/disclosures/verify' && response.statusCode === 200) {
            expect(response.json().verified, context).toBe(false);
          } else {
            expect(response.headers['content-type'], context).toMatch(/^application\/problem\+json/);
            const problem = response.json();
            expect(isErrorCode(problem.code), context).toBe(true);
            expect(statusOf(problem.code), context).toBe(response.statusCode);
          }
          expect(await snapshot(), context).toBe(before);
        }),
        { numRuns: 60 },
      );
    }
  });
});
