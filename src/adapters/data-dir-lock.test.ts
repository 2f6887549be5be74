import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SignpostError } from '../core/errors.js';
import { HOLDER_FILE, lockDataDir } from './data-dir-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signpost-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lockDataDir', () => {
  it('lets one holder have a directory: a second is refused with DATA_DIR_IN_USE naming the directory and the holder', async () => {
    const first = lockDataDir(dir, new Date(Date.UTC(2026, 11, 4, 5, 0, 0)));
    const refused = (() => {
      try {
        lockDataDir(dir);
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(SignpostError);
    expect((refused as SignpostError).code).toBe('DATA_DIR_IN_USE');
    expect((refused as SignpostError).message).toContain(`${dir} is in use by another signpost serve (process ${process.pid} on`);
    expect((refused as SignpostError).message).toContain('since 2026-12-04T05:00:00Z');
    expect(JSON.parse(await readFile(join(dir, HOLDER_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    first.release();
  });

  it('is free again once released (twice is harmless), and the holder file goes with it', () => {
    const first = lockDataDir(dir);
    first.release();
    first.release();
    expect(existsSync(join(dir, HOLDER_FILE))).toBe(false);
    lockDataDir(dir).release();
  });
});
