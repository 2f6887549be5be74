/**
 * Scenarios of the resolution pipeline with a fake clock: what each stage decides, in order, and
 * that the name is parsed once, in `prepare`.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../store/memory/memory-store.js';
import type { Result } from '../errors.js';
import { createStatusChange, createTombstone } from '../record/registration.js';
import { Registry } from '../registry/registry.js';
import { manualClock, registrationFor, T0, testKey } from '../test-support/agents.js';
import { RESOLUTION_STAGES, ResolutionPipeline, type ResolutionStage } from './resolution-pipeline.js';

const NAME = 'agent://acme.com/billing/invoices';
const owner = testKey(1);
const registryKey = testKey(9);
const HOUR = 3_600_000;

const codeOf = (result: Result<unknown>) => (result.ok ? undefined : result.problems[0]!.code);

async function world() {
  const store = new MemoryRecordStore();
  const clock = manualClock(T0 + 1000);
  const registry = new Registry({ store, key: registryKey, clock });
  const lookUps: string[] = [];
  const pipeline = new ResolutionPipeline({
    lookUp: (name) => {
      lookUps.push(name);
      return store.get(name);
    },
    claimOf: (namespace) => registry.namespaceClaim(namespace),
    namespaceMode: 'open',
    now: clock.now,
  });
  const resolve = async (name: string, context = {}) => {
    const prepared = pipeline.prepare({ name, context });
    return prepared.ok ? pipeline.resolve(prepared.value) : prepared;
  };
  return { store, clock, registry, pipeline, resolve, lookUps };
}

describe('ResolutionPipeline', () => {
  it('prepare: every spelling of a name gives one key; context from the name, overridden by the request', async () => {
    const { pipeline } = await world();
    const keys = ['agent://acme.com/billing/invoices', 'invoices.billing@acme.com', 'urn:agent:acme.com:billing:invoices'].map((name) => {
      const prepared = pipeline.prepare({ name, context: { protocol: 'A2A' } });
      return prepared.ok ? prepared.value.key : undefined;
    });
    expect(new Set(keys).size).toBe(1);
    expect(pipeline.prepare({ name: 'a2a://invoices.billing.acme.com.v2.prod' })).toMatchObject({ ok: true, value: { context: { protocol: 'a2a', version: '2' } } });
    expect(pipeline.prepare({ name: 'a2a://invoices.billing.acme.com.v2.prod', context: { protocol: 'mcp', version: '3' } })).toMatchObject({ ok: true, value: { context: { protocol: 'mcp', version: '3' } } });
    expect(codeOf(pipeline.prepare({ name: 'agent://acme.com/Bad_Name' }))).toMatch(/^NAME_/);
  });

  it('resolves an active agent to the endpoint that fits, and says which stages ran', async () => {
    const { registry, resolve, lookUps } = await world();
    expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
    const a2a = await resolve('invoices.billing@acme.com', { protocol: 'A2A' });
    expect(a2a).toMatchObject({
      ok: true,
      value: { canonical: NAME, endpoint: { protocol: 'a2a' }, ownership: { status: 'unclaimed', namespace: 'acme.com' }, trace: RESOLUTION_STAGES.map((stage) => stage.name) },
    });
    // Nothing fits: null, not a wrong endpoint.
    expect(await resolve(NAME, { protocol: 'grpc' })).toMatchObject({ ok: true, value: { endpoint: null } });
    expect(lookUps).toEqual([NAME, NAME]);
  });

  it('validity is decided in the pipeline: expired at its notAfter (fake clock), revoked, deregistered, unknown', async () => {
    const { registry, clock, resolve } = await world();
    expect((await registry.register(registrationFor(owner, NAME, 1, { validityMs: 2 * HOUR }))).ok).toBe(true);
    expect((await resolve(NAME)).ok).toBe(true);
    clock.set(T0 + 2 * HOUR + 1000);
    expect(codeOf(await resolve(NAME))).toBe('AGENT_EXPIRED');
    clock.set(T0 + 1000);

    const other = 'agent://acme.com/billing/receipts';
    expect((await registry.register(registrationFor(owner, other, 1))).ok).toBe(true);
    expect((await registry.changeStatus(other, createStatusChange(owner, other, 'revoke', 'key lost', T0 + 1000))).ok).toBe(true);
    expect(codeOf(await resolve(other))).toBe('AGENT_REVOKED');

    const gone = 'agent://acme.com/billing/gone';
    expect((await registry.register(registrationFor(owner, gone, 1))).ok).toBe(true);
    expect((await registry.deregister(gone, createTombstone(owner, gone, 2))).ok).toBe(true);
    expect(codeOf(await resolve(gone))).toBe('AGENT_DEREGISTERED');
    expect(codeOf(await resolve('agent://acme.com/nobody'))).toBe('AGENT_NOT_FOUND');
  });

  it('the driver stops at the first refusal, and runs stages in the order given (a seam a later stage fills)', async () => {
    const { store, clock, registry } = await world();
    expect((await registry.register(registrationFor(owner, NAME, 1))).ok).toBe(true);
    const ran: string[] = [];
    const policy: ResolutionStage = {
      name: 'policy',
      run: (state) => {
        ran.push('policy');
        return state.canonical.endsWith('/invoices') ? { ok: false, problems: [{ code: 'AGENT_NOT_FOUND', detail: 'private' }] } : { ok: true, value: state };
      },
    };
    const [referral, lookUp, validity, ownership, choose] = RESOLUTION_STAGES as [ResolutionStage, ResolutionStage, ResolutionStage, ResolutionStage, ResolutionStage];
    const ports = { lookUp: (name: string) => store.get(name), claimOf: (namespace: string) => registry.namespaceClaim(namespace), namespaceMode: 'open' as const, now: clock.now };
    const pipeline = new ResolutionPipeline(ports, [referral, lookUp, validity, ownership, policy, choose]);
    const prepared = pipeline.prepare({ name: NAME });
    if (!prepared.ok) throw new Error('expected a name');
    expect(codeOf(await pipeline.resolve(prepared.value))).toBe('AGENT_NOT_FOUND');
    expect(ran).toEqual(['policy']);
  });
});
