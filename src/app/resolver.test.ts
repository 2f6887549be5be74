import { describe, expect, it } from 'vitest';
import { ok, type Result } from '../core/errors.js';
import { testKey } from '../core/test-support/agents.js';
import { parseSearchPath } from './resolver.js';

const key = testKey(9).did;
const detailOf = (result: Result<unknown>) => (result.ok ? '' : result.problems[0]!.detail);
const entry = (fields: object) => ({ name: 'internal', url: 'http://127.0.0.1:8711/', registryKey: key, ...fields });

describe('parseSearchPath', () => {
  it('reads the registries in order, the home registry first', () => {
    const parsed = parseSearchPath(ok({ registries: [entry({ privateNamespaces: ['corp.internal'] }), entry({ name: 'public', url: 'https://registry.example' })] }), 'sp.json');
    expect(parsed).toEqual({ ok: true, value: [{ name: 'internal', url: 'http://127.0.0.1:8711', registryKey: key, privateNamespaces: ['corp.internal'] }, { name: 'public', url: 'https://registry.example', registryKey: key }] });
  });

  it('refuses what it cannot use, naming the file and the entry', () => {
    expect(detailOf(parseSearchPath(ok({}), 'sp.json'))).toMatch(/^the search path sp\.json: give \{"registries"/);
    expect(detailOf(parseSearchPath(ok({ registries: [entry({ name: 'Internal Net' })] }), 'sp.json'))).toContain('registries[0].name');
    expect(detailOf(parseSearchPath(ok({ registries: [entry({ url: 'ftp://x' })] }), 'sp.json'))).toContain('registries[0].url');
    expect(detailOf(parseSearchPath(ok({ registries: [entry({ registryKey: 'did:web:x' })] }), 'sp.json'))).toContain('registries[0].registryKey');
    expect(detailOf(parseSearchPath(ok({ registries: [entry({ privateNamespaces: ['Corp.Internal'] })] }), 'sp.json'))).toContain('privateNamespaces');
    expect(detailOf(parseSearchPath(ok({ registries: [entry({ privateNamespaces: ['corp.internal'] }), entry({ name: 'b', privateNamespaces: ['corp.internal'] })] }), 'sp.json'))).toContain('given to two registries');
  });
});
