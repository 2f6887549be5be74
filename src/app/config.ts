import { resolve } from 'node:path';
import { fail, ok, type Result } from '../core/errors.js';

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  /** Directory of the embedded store and the registry key. */
  readonly dataDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The URL clients reach this registry at: it names its did:web and its status lists. Default: where it listens. */
  readonly publicUrl?: string;
}

export interface ServeInput {
  readonly host?: string | undefined;
  readonly port?: string | number | undefined;
  readonly data?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly publicUrl?: string | undefined;
}

export const DEFAULT_PORT = 8700;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * parse → validate → normalize: flags win over environment variables, which win over defaults.
 * The environment is read by the caller and passed in, so this stays testable.
 */
export function serveConfig(flags: ServeInput, env: Record<string, string | undefined>): Result<ServeConfig> {
  const portText = String(flags.port ?? env.SIGNPOST_PORT ?? DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) return fail('REQUEST_INVALID', `port must be 0..65535, got "${portText}"`);
  const logLevel = flags.logLevel ?? env.SIGNPOST_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return fail('REQUEST_INVALID', `log level must be one of ${LOG_LEVELS.join(', ')}`);
  const publicUrl = flags.publicUrl ?? env.SIGNPOST_PUBLIC_URL;
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(publicUrl)) {
    return fail('REQUEST_INVALID', `public URL must be an http(s) URL without query or fragment, got "${publicUrl}"`);
  }
  return ok({
    ...(publicUrl === undefined ? {} : { publicUrl: publicUrl.replace(/\/+$/, '') }),
    host: flags.host ?? env.SIGNPOST_HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(flags.data ?? env.SIGNPOST_DATA ?? 'signpost-data'),
    logLevel: logLevel as ServeConfig['logLevel'],
  });
}
