/** Collect what the code under test writes to stderr (restored by vi.restoreAllMocks()). */
import { vi } from 'vitest';

export function captureStderr(): () => string {
  const written: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return () => written.join('');
}
