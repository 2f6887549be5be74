import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../core/errors.js';
import { readJsonFile } from './input-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signpost-input-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function failure(result: Result<unknown>) {
  return result.ok ? undefined : { code: result.problems[0]?.code, detail: result.problems[0]?.detail };
}

describe('readJsonFile', () => {
  it('parses a JSON file, with or without a byte order mark', async () => {
    await writeFile(join(dir, 'vc.json'), '{"a": [1, "x"]}\n');
    await writeFile(join(dir, 'bom.json'), '\uFEFF{"a": 1}');
    expect(await readJsonFile(join(dir, 'vc.json'))).toEqual({ ok: true, value: { a: [1, 'x'] } });
    expect(await readJsonFile(join(dir, 'bom.json'))).toEqual({ ok: true, value: { a: 1 } });
  });

  it('REQUEST_MALFORMED_JSON when the text is not JSON, naming the file', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"not json');
    expect(failure(await readJsonFile(file))).toEqual({ code: 'REQUEST_MALFORMED_JSON', detail: expect.stringContaining(`${file}: not JSON`) });
    await writeFile(file, '');
    expect(failure(await readJsonFile(file))?.code, 'an empty file').toBe('REQUEST_MALFORMED_JSON');
  });

  it('refuses what the strict reader refuses, naming the file: duplicate names, deep nesting', async () => {
    const file = join(dir, 'hostile.json');
    await writeFile(file, '{"id":"a","id":"b"}');
    expect(failure(await readJsonFile(file))).toEqual({ code: 'REQUEST_MALFORMED_JSON', detail: expect.stringContaining(`${file}: duplicate member name "id"`) });
    await writeFile(file, '['.repeat(50_000) + ']'.repeat(50_000));
    expect(failure(await readJsonFile(file))?.code).toBe('REQUEST_TOO_COMPLEX');
    expect(failure(await readJsonFile(file, { maxDepth: 100_000, maxMembers: 10 }))).toBeUndefined();
  });

  it('FILE_UNUSABLE when the file cannot be read: missing, or a directory', async () => {
    const missing = join(dir, 'missing.json');
    expect(failure(await readJsonFile(missing))).toEqual({ code: 'FILE_UNUSABLE', detail: expect.stringContaining(`cannot read ${missing}`) });
    expect(failure(await readJsonFile(dir))?.code).toBe('FILE_UNUSABLE');
  });
});
