import { CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignpostError } from '../core/errors.js';
import { problemOf, reportFailure } from './failure-report.js';
import { captureStderr } from '../../test/support/capture-stderr.js';

/** A Node system error as fs, net and fetch raise them. */
function systemError(code: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(`${code}: something, ${String(fields.syscall)}`), { code, ...fields });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('problemOf: ordinary mistakes said as what to do', () => {
  it('a port in use, a privileged port, an address of another machine: LISTEN_FAILED naming the address', () => {
    expect(problemOf(systemError('EADDRINUSE', { syscall: 'listen', address: '127.0.0.1', port: 8700 }))).toEqual({
      code: 'LISTEN_FAILED',
      detail: '127.0.0.1:8700 is already in use (another signpost serve, or another program): stop it, or choose another --port or --dns-port (0 picks a free one)',
    });
    expect(problemOf(systemError('EACCES', { syscall: 'listen', address: '0.0.0.0', port: 80 })).detail).toContain('choose another --port');
    expect(problemOf(systemError('EADDRNOTAVAIL', { syscall: 'listen', address: '10.9.9.9', port: 0 })).detail).toContain('choose another --host');
  });

  it.each([
    ['ENOENT', 'no such file or directory: check the path'],
    ['EISDIR', 'it is a directory: give a file'],
    ['ENOTDIR', 'part of the path is a file, not a directory: check the path'],
    ['EACCES', 'permission denied: choose a place you may use, or change its permissions'],
    ['EROFS', 'read-only file system: choose another place'],
  ])('a file that cannot be used (%s): FILE_UNUSABLE naming it', (code, reason) => {
    expect(problemOf(systemError(code, { syscall: 'open', path: 'keys/a.jwk' }))).toEqual({ code: 'FILE_UNUSABLE', detail: `keys/a.jwk: ${reason}` });
  });

  it('a server that does not answer, also as the cause of a failed fetch: REGISTRY_UNREACHABLE', () => {
    const refused = systemError('ECONNREFUSED', { syscall: 'connect', address: '127.0.0.1', port: 9 });
    expect(problemOf(refused).code).toBe('REGISTRY_UNREACHABLE');
    expect(problemOf(new TypeError('fetch failed', { cause: refused })).code).toBe('REGISTRY_UNREACHABLE');
  });

  it('anything else is a bug: INTERNAL, pointing at --debug', () => {
    expect(problemOf(new TypeError("Cannot read properties of undefined (reading 'x')"))).toEqual({
      code: 'INTERNAL',
      detail: "internal error (Cannot read properties of undefined (reading 'x')): this is a bug in signpost; rerun with --debug for the stack trace, and report it",
    });
  });
});

describe('reportFailure', () => {
  it('prints one line per problem and exits as the kind says, with no stack trace', () => {
    const stderr = captureStderr();
    expect(reportFailure(systemError('ENOENT', { syscall: 'open', path: 'x.json' }), { debug: false })).toBe(2);
    expect(reportFailure(new SignpostError('REGISTRY_KEY_CHANGED', 'http://r now presents …'), { debug: false })).toBe(1);
    expect(reportFailure(new SignpostError('REGISTRY_UNREACHABLE', 'GET http://r: ECONNREFUSED'), { debug: false })).toBe(3);
    expect(reportFailure(new Error('boom'), { debug: false })).toBe(1);
    expect(stderr().split('\n').filter(Boolean)).toEqual([
      'error FILE_UNUSABLE: x.json: no such file or directory: check the path',
      'error REGISTRY_KEY_CHANGED: http://r now presents …',
      'error REGISTRY_UNREACHABLE: GET http://r: ECONNREFUSED',
      'error INTERNAL: internal error (boom): this is a bug in signpost; rerun with --debug for the stack trace, and report it',
    ]);
  });

  it('adds the stack trace with --debug', () => {
    const stderr = captureStderr();
    reportFailure(new Error('boom'), { debug: true });
    expect(stderr()).toMatch(/^error INTERNAL: internal error \(boom\)[^\n]*\nError: boom\n\s+at /);
  });

  it('leaves commander its own message: usage 2, and 0 for --help and --version', () => {
    const stderr = captureStderr();
    expect(reportFailure(new CommanderError(1, 'commander.unknownCommand', "error: unknown command 'x'"), { debug: true })).toBe(2);
    expect(reportFailure(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), { debug: true })).toBe(0);
    expect(stderr()).toBe('');
  });
});
