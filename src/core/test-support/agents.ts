/** Deterministic keys, clocks and registrations for core tests (never built into dist/). */
import type { Clock } from '../ports.js';
import { createRegistration, type RegistrationInput } from '../record/registration.js';
import { signingKeyFromSeed, type SigningKey } from '../trust/ed25519.js';

/** 2026-01-01T00:00:00Z */
export const T0 = Date.UTC(2026, 0, 1);

export function testKey(n: number): SigningKey {
  return signingKeyFromSeed(new Uint8Array(32).fill(n));
}

export function manualClock(start = T0): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    set: (ms) => {
      now = ms;
    },
  };
}

export function registrationFor(key: SigningKey, name: string, seq: number, overrides: Partial<RegistrationInput> = {}) {
  return createRegistration({
    key,
    name,
    claims: {
      label: 'Invoices',
      description: 'Creates and sends invoices for Acme billing',
      skills: [{ id: 'create-invoice', name: 'Create invoice', tags: ['billing'] }],
      endpoints: { static: [{ url: 'https://agents.acme.com/invoices/a2a', protocol: 'a2a' }, 'https://agents.acme.com/invoices/mcp'] },
    },
    factsUrl: `https://registry.example/v1/agents/${encodeURIComponent(name)}/facts`,
    seq,
    nowMs: T0,
    ...overrides,
  });
}
