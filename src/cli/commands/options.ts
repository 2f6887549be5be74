/**
 * Options shared by several commands, worded alike everywhere. Loaded by every `signpost` run to
 * build the command table, so it imports nothing but types.
 */
import type { Command } from 'commander';
import type { DurationBounds } from '../../app/duration.js';

export const DEFAULT_REGISTRY = 'http://127.0.0.1:8700';

/** The flags of every command that talks to a registry (see registry-connection.ts). */
export interface RegistryFlags {
  registry?: string;
  registryKey?: string;
}

/** `--registry` and `--registry-key`: every command that talks to a registry has both, and pins its key. */
export function withRegistryOptions(command: Command, urlPurpose = 'registry URL'): Command {
  return command
    .option('-r, --registry <url>', `${urlPurpose} (default $SIGNPOST_REGISTRY or ${DEFAULT_REGISTRY})`)
    .option('--registry-key <did>', 'the registry key to trust (default: the key pinned for that URL on first contact; a different one is refused)');
}

/** Said of every argument that names a private key or another secret file (see secret-files.ts). */
export const SECRET_NAME_NOTE = 'a bare name (no directory) is kept in $SIGNPOST_HOME/keys';

/** Collect a repeatable option into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `certification issue --valid-for`: at least an hour (an audit is not a session), at most what a UTC timestamp can still say. */
export const CERTIFICATION_VALID_FOR: DurationBounds = { min: 3600, max: 99_999 * 86_400 };
