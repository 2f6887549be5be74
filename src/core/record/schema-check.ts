import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ok, problem, type ErrorCode, type Problem, type Result } from '../errors.js';
import { precompiledValidators } from './schema-validators.generated.js';

/** The options every record schema is compiled with, at build time and at run time alike. */
export const AJV_OPTIONS = { allErrors: false, strict: true, allowUnionTypes: true } as const;

/** A record schema and the function that checks a value against it. */
export interface SchemaValidator<T> {
  readonly schema: object;
  /** The name of its precompiled function in schema-validators.generated.ts. */
  readonly key: string;
  /** The function (compiled now if it is not precompiled and no value was checked yet). */
  readonly compiled: () => ValidateFunction<T>;
}

/** The precompiled function of a schema is named after the SHA-256 of its JSON text. */
export function schemaKey(schema: object): string {
  return `schema_${createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 24)}`;
}

/**
 * Compiling a schema costs about 10 ms, most of `signpost resolve`'s own work: every schema is
 * compiled at build time instead (scripts/generate-schema-validators.ts writes
 * schema-validators.generated.ts, with Ajv's standalone code, from these very schemas), and a
 * schema changed since then (so its key is another) is compiled here the first time a value is
 * checked, with the same options, so a stale file costs time and never correctness; a test
 * says so. `allErrors` stays off: the first problem is enough to refuse a record, and stopping
 * early keeps hostile inputs cheap.
 */
export function compileSchema<T>(schema: object): SchemaValidator<T> {
  const key = schemaKey(schema);
  let validate = precompiledValidators[key] as ValidateFunction<T> | undefined;
  const validator: SchemaValidator<T> = {
    schema,
    key,
    compiled: () => (validate ??= (ajv ??= new Ajv(AJV_OPTIONS)).compile<T>(schema)),
  };
  everyValidator.push(validator);
  return validator;
}

let ajv: Ajv | undefined;
const everyValidator: SchemaValidator<unknown>[] = [];

/** Every schema of the modules loaded so far: the generator compiles them, a test checks them. */
export function everySchemaValidator(): readonly SchemaValidator<unknown>[] {
  return everyValidator;
}

/**
 * Translate the first Ajv error into a catalogued problem; an unknown field gets its own code
 * because "a field the format does not define" is a different mistake than a wrong value.
 */
export function schemaProblem(error: ErrorObject | undefined, invalidCode: ErrorCode, base: string): Problem {
  if (error === undefined) return problem(invalidCode, 'invalid', base);
  const pointer = base + error.instancePath;
  if (error.keyword === 'additionalProperties') {
    const field = String((error.params as { additionalProperty?: unknown }).additionalProperty);
    return problem('RECORD_UNKNOWN_FIELD', `unknown field "${field}" at ${pointer || '/'}`, `${pointer}/${field}`);
  }
  return problem(invalidCode, `${pointer || '/'} ${error.message ?? 'is invalid'}`, pointer);
}

/** Run a compiled schema and report the first problem, if any. */
export function checkSchema<T>(validator: SchemaValidator<T>, value: unknown, invalidCode: ErrorCode, base: string): Problem | undefined {
  const validate = validator.compiled();
  if (validate(value)) return undefined;
  return schemaProblem(validate.errors?.[0], invalidCode, base);
}

/**
 * A record check in two stages: the closed schema first (its first problem refuses the record),
 * then the rules a schema cannot say, all of which are reported.
 */
export function checkRecord<T>(
  validate: SchemaValidator<T>,
  value: unknown,
  pointer: string,
  invalidCode: ErrorCode,
  rules: (record: T) => readonly (Problem | undefined)[],
): Result<T> {
  const shapeProblem = checkSchema(validate, value, invalidCode, pointer);
  if (shapeProblem) return { ok: false, problems: [shapeProblem] };
  const problems = rules(value as T).filter((p): p is Problem => p !== undefined);
  return problems.length === 0 ? ok(value as T) : { ok: false, problems };
}
