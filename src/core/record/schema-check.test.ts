import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, generatedSource, modulesDefiningSchemas } from '../../../scripts/generate-schema-validators.js';
import { precompiledValidators } from './schema-validators.generated.js';
import { AJV_OPTIONS, everySchemaValidator } from './schema-check.js';

describe('precompiled schema validators', () => {
  it('schema-validators.generated.ts is up to date with every schema of the core (else: npm run generate:schemas)', async () => {
    expect(modulesDefiningSchemas().map((path) => relative(GENERATED_FILE, path))).toContain('../agent-addr.ts');
    const expected = await generatedSource();
    expect(readFileSync(GENERATED_FILE, 'utf8') === expected, 'stale: run npm run generate:schemas').toBe(true);
    // Every schema the core defines has its precompiled function: none is compiled at run time.
    const validators = everySchemaValidator();
    expect(validators.length).toBeGreaterThanOrEqual(modulesDefiningSchemas().length);
    for (const { key } of validators) expect(precompiledValidators[key], key).toBeTypeOf('function');
  });

  it('judge as Ajv compiling the schema at run time does: the same verdict and the same first error', () => {
    const ajv = new Ajv(AJV_OPTIONS);
    const samples: unknown[] = [null, 1, 'text', [], {}, { type: 'AgentAddr' }, { v: 1, extra: true }, { type: 'AgentFacts', v: 1, id: 'did:key:z', agent_name: 'agent://a.b/c', label: 'x'.repeat(300) }];
    for (const { key, schema, compiled } of everySchemaValidator()) {
      const runtime = ajv.compile(schema);
      const precompiled = compiled();
      expect(precompiled, key).toBe(precompiledValidators[key]);
      for (const sample of samples) {
        expect(precompiled(sample), `${key} ${JSON.stringify(sample)}`).toBe(runtime(sample));
        expect(precompiled.errors?.[0], `${key} ${JSON.stringify(sample)}`).toEqual(runtime.errors?.[0]);
      }
    }
  });
});
