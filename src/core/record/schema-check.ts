import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ok, problem, type ErrorCode, type Problem, type Result } from '../errors.js';

/**
 * One Ajv instance for every record schema. `allErrors` stays off: the first problem is enough
 * to refuse a record, and stopping early keeps hostile inputs cheap.
 */
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

export function compileSchema<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
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
export function checkSchema<T>(validate: ValidateFunction<T>, value: unknown, invalidCode: ErrorCode, base: string): Problem | undefined {
  if (validate(value)) return undefined;
  return schemaProblem(validate.errors?.[0], invalidCode, base);
}

/**
 * A record check in two stages: the closed schema first (its first problem refuses the record),
 * then the rules a schema cannot say, all of which are reported.
 */
export function checkRecord<T>(
  validate: ValidateFunction<T>,
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
