/**
 * What the CLI says when a command fails: the one place errors are printed. Every expected
 * failure is one line per problem, `error CODE: what happened and what to do`, with the exit code
 * its kind calls for (2 for bad input: arguments, files, ports; 3 for a registry out of reach).
 * Anything else is a bug in Signpost: one line saying so. The stack trace only with --debug.
 */
import { CommanderError } from 'commander';
import { problem, SignpostError, type Problem } from '../core/errors.js';
import { EXIT, exitCodeOf, formatProblems } from './cli-context.js';

/** Print what went wrong on stderr; the exit code. */
export function reportFailure(error: unknown, options: { debug: boolean }): number {
  // Commander has printed its own message already (and --help and --version end through here too).
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const problems = error instanceof SignpostError ? error.problems : [problemOf(error)];
  process.stderr.write(formatProblems(problems) + '\n');
  if (options.debug && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
  return exitCodeOf(problems);
}

/** The errors Node raises for ordinary mistakes (a missing file, a port in use), said as what to do; anything else is internal. */
export function problemOf(error: unknown): Problem {
  const system = systemError(error);
  if (system !== undefined) {
    if (NETWORK_ERRORS.has(system.code)) return problem('REGISTRY_UNREACHABLE', `${system.hostname ?? system.address ?? 'the server'}: ${system.code}: check the URL, and that the server runs`);
    if (system.syscall === 'listen') return problem('LISTEN_FAILED', listenFailure(system));
    if (system.code === 'ENOTFOUND') return problem('REQUEST_INVALID', `the host name ${system.hostname} is not known: check --host or the URL`);
    if (system.path !== undefined) return problem('FILE_UNUSABLE', `${system.path}: ${fileFailureReason(system.code)}`);
  }
  const what = error instanceof Error ? error.message : String(error);
  return problem('INTERNAL', `internal error (${what}): this is a bug in signpost; rerun with --debug for the stack trace, and report it`);
}

interface SystemError {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly address?: string;
  readonly port?: number;
  readonly hostname?: string;
}

/** A Node system error (errno code and syscall), itself or as the cause of a failed fetch. */
function systemError(error: unknown): SystemError | undefined {
  for (let candidate = error, depth = 0; candidate instanceof Error && depth < 3; candidate = candidate.cause, depth++) {
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return candidate as unknown as SystemError;
  }
  return undefined;
}

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function listenFailure({ code, address, port }: SystemError): string {
  const where = address === undefined ? `port ${port}` : `${address}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${where} is already in use (another signpost serve, or another program): stop it, or choose another --port or --dns-port (0 picks a free one)`;
    case 'EACCES':
    case 'EPERM':
      return `not allowed to listen on ${where} (ports below 1024 need privileges): choose another --port or --dns-port`;
    case 'EADDRNOTAVAIL':
      return `${address} is not an address of this machine: choose another --host (127.0.0.1, or 0.0.0.0 for every interface)`;
    default:
      return `cannot listen on ${where} (${code}): choose another --host or --port`;
  }
}

/** Why a file named on the command line could not be read or written, said as what to do. */
export function fileFailureReason(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory: check the path';
    case 'EISDIR':
      return 'it is a directory: give a file';
    case 'ENOTDIR':
      return 'part of the path is a file, not a directory: check the path';
    case 'EEXIST':
      return 'it already exists: choose another name, or move it away first';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: choose a place you may use, or change its permissions';
    case 'EROFS':
      return 'read-only file system: choose another place';
    case 'ENOSPC':
      return 'no space left on the device: free some, or choose another place';
    default:
      return `${code ?? 'unusable'}: check the path`;
  }
}
