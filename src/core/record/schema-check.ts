import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { problem, type ErrorCode, type Problem } from '../errors.js';

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
