/**
 * The DNS zone keys of a data directory, and their rollover without a validation gap.
 *
 * `dns-zone-key.jwk` is the active key (made at the first start with `--dns-port`, of
 * `--dns-zone-algorithm`). A rollover (`signpost dns rollover start`, on a stopped registry) adds
 * `dns-zone-key-next.jwk`, the next key with the time the rollover started and the time it may
 * finish; while it exists the registry publishes both DNSKEYs and signs every RRset with both
 * (faces/dns/dnssec.ts), so resolvers holding the old DS or trust anchor and those holding the new
 * one all validate. `finish` retires the old key, and is refused before the DNSKEY TTL (every
 * resolver has seen the new key) plus the parent's DS TTL (the parent's switch to the new DS has
 * reached every resolver) have passed since the start, unless forced. The retired key is kept as
 * `dns-zone-key-retired-<tag>.jwk`: Signpost never deletes a private key.
 */
import { access, copyFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { SignpostError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import { lockDataDir } from '../adapters/data-dir-lock.js';
import { readJsonKeyFile, writePrivateKeyFile } from '../adapters/key-file.js';
import { DNSKEY_TTL, ZoneSigner } from '../faces/dns/dnssec.js';
import { generateZoneKey, ZONE_ALGORITHMS, zoneAlgorithmName, zoneKeyFromJwk, type ZoneAlgorithmName, type ZoneKey } from '../faces/dns/zone-key.js';

export const ZONE_KEY_FILE = 'dns-zone-key.jwk';
export const NEXT_ZONE_KEY_FILE = 'dns-zone-key-next.jwk';
/** The parent's DS TTL a rollover waits for unless told otherwise: a day, the common TTL of DS records. */
export const DEFAULT_DS_TTL_SECONDS = 86_400;

export interface Rollover {
  /** Milliseconds since the epoch (the clock's). */
  readonly startedAt: number;
  /** The earliest time `finish` retires the old key without --force. */
  readonly finishAfter: number;
}

export interface ZoneKeys {
  readonly active: ZoneKey;
  /** The next key, during a rollover. */
  readonly next?: { readonly key: ZoneKey; readonly rollover: Rollover } | undefined;
}

/** The zone keys of `dataDir`, or undefined when it has no zone key yet (the DNS face never started). */
export async function existingZoneKeys(dataDir: string): Promise<ZoneKeys | undefined> {
  return (await exists(join(dataDir, ZONE_KEY_FILE))) ? loadZoneKeys(dataDir) : undefined;
}

/** The keys that sign: the active one, then the next one during a rollover. */
export function signingKeys(keys: ZoneKeys): ZoneKey[] {
  return keys.next ? [keys.active, keys.next.key] : [keys.active];
}

const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * The zone keys of `dataDir`. Without an active key: one of `create` is made (the first start of
 * the DNS face), or, without `create`, KEY_FILE_INVALID says to start the registry with --dns-port.
 */
export async function loadZoneKeys(dataDir: string, create?: ZoneAlgorithmName): Promise<ZoneKeys & { readonly created: boolean }> {
  const activePath = join(dataDir, ZONE_KEY_FILE);
  let created = false;
  if (!(await exists(activePath))) {
    if (create === undefined) throw new SignpostError('KEY_FILE_INVALID', `${activePath} does not exist: start the registry once with --dns-port to make the DNS zone key`);
    await writePrivateKeyFile(activePath, generateZoneKey(create).jwk);
    created = true;
  }
  const active = (await readZoneKeyFile(activePath)).key;
  const nextPath = join(dataDir, NEXT_ZONE_KEY_FILE);
  if (!(await exists(nextPath))) return { active, created };
  const next = await readZoneKeyFile(nextPath);
  if (next.rollover === undefined) throw new SignpostError('KEY_FILE_INVALID', `${nextPath} has no rollover times (startedAt, finishAfter)`);
  return { active, next: { key: next.key, rollover: next.rollover }, created };
}

async function readZoneKeyFile(path: string): Promise<{ key: ZoneKey; rollover?: Rollover }> {
  const json = await readJsonKeyFile(path);
  const key = zoneKeyFromJwk(json);
  if (!key.ok) throw SignpostError.from(key.problems.map((p) => ({ ...p, detail: `${path}: ${p.detail}` })));
  const rollover = (json as { rollover?: { startedAt?: unknown; finishAfter?: unknown } }).rollover;
  const startedAt = Date.parse(String(rollover?.startedAt));
  const finishAfter = Date.parse(String(rollover?.finishAfter));
  return Number.isFinite(startedAt) && Number.isFinite(finishAfter) ? { key: key.value, rollover: { startedAt, finishAfter } } : { key: key.value };
}

/** An algorithm name given on the command line (`flag`), or REQUEST_INVALID. */
export function zoneAlgorithmOption(text: string, flag: string): ZoneAlgorithmName {
  if (!Object.hasOwn(ZONE_ALGORITHMS, text)) throw new SignpostError('REQUEST_INVALID', `${flag} takes ${Object.keys(ZONE_ALGORITHMS).join(' or ')}, got "${text}"`);
  return text as ZoneAlgorithmName;
}

export interface RolloverStatus {
  readonly active: KeySummary;
  readonly next?: (KeySummary & { readonly startedAt: string; readonly finishAfter: string; readonly finishAllowed: boolean }) | undefined;
}

interface KeySummary {
  readonly tag: number;
  readonly algorithm: ZoneAlgorithmName;
}

function summaryOf(keys: ZoneKeys, now: number): RolloverStatus {
  const [activeTag, nextTag] = new ZoneSigner(signingKeys(keys), { now: () => now }).keyTags;
  const active = { tag: activeTag!, algorithm: zoneAlgorithmName(keys.active.algorithm) };
  if (!keys.next) return { active };
  const { rollover } = keys.next;
  return {
    active,
    next: {
      tag: nextTag!,
      algorithm: zoneAlgorithmName(keys.next.key.algorithm),
      startedAt: new Date(rollover.startedAt).toISOString(),
      finishAfter: new Date(rollover.finishAfter).toISOString(),
      finishAllowed: now >= rollover.finishAfter,
    },
  };
}

/** `signpost dns rollover status`. */
export async function rolloverStatus(dataDir: string, clock: Clock): Promise<RolloverStatus> {
  return summaryOf(await loadZoneKeys(dataDir), clock.now());
}

/**
 * `signpost dns rollover start`, on a stopped registry (the data directory is locked, so a running
 * one is refused with DATA_DIR_IN_USE): make the next key, of `algorithm` (default: the active
 * key's), whose key tag differs from the active key's, and record when the rollover may finish.
 */
export async function startRollover(dataDir: string, options: { readonly algorithm?: ZoneAlgorithmName | undefined; readonly dsTtlSeconds: number; readonly clock: Clock }): Promise<RolloverStatus> {
  const lock = lockDataDir(dataDir);
  try {
    const keys = await loadZoneKeys(dataDir);
    if (keys.next) {
      throw new SignpostError('DNS_ROLLOVER_IN_PROGRESS', `a rollover to key ${summaryOf(keys, options.clock.now()).next!.tag} started at ${new Date(keys.next.rollover.startedAt).toISOString()}: finish it first (signpost dns rollover finish)`);
    }
    const activeTag = new ZoneSigner(keys.active, { now: () => 0 }).keyTags[0];
    let next = generateZoneKey(options.algorithm ?? zoneAlgorithmName(keys.active.algorithm));
    // Two keys of one tag would make resolvers try both for every signature; a new draw avoids it.
    while (new ZoneSigner(next.key, { now: () => 0 }).keyTags[0] === activeTag) next = generateZoneKey(options.algorithm ?? zoneAlgorithmName(keys.active.algorithm));
    const startedAt = options.clock.now();
    const finishAfter = startedAt + (DNSKEY_TTL + options.dsTtlSeconds) * 1000;
    await writePrivateKeyFile(join(dataDir, NEXT_ZONE_KEY_FILE), { ...next.jwk, rollover: { startedAt: new Date(startedAt).toISOString(), finishAfter: new Date(finishAfter).toISOString() } });
    return summaryOf({ active: keys.active, next: { key: next.key, rollover: { startedAt, finishAfter } } }, startedAt);
  } finally {
    lock.release();
  }
}

/**
 * `signpost dns rollover finish`, on a stopped registry: the next key becomes the active one (an
 * atomic rename), the old one is kept aside. Refused with DNS_ROLLOVER_TOO_EARLY before the
 * rollover's finishAfter unless `force` (then `early` says so, for a warning).
 */
export async function finishRollover(dataDir: string, options: { readonly force?: boolean | undefined; readonly clock: Clock }): Promise<RolloverStatus & { readonly retired: KeySummary; readonly early: boolean }> {
  const lock = lockDataDir(dataDir);
  try {
    const keys = await loadZoneKeys(dataDir);
    if (!keys.next) throw new SignpostError('DNS_ROLLOVER_NOT_STARTED', 'no rollover of the DNS zone key is in progress: start one with signpost dns rollover start');
    const now = options.clock.now();
    const status = summaryOf(keys, now);
    const early = now < keys.next.rollover.finishAfter;
    if (early && options.force !== true) {
      throw new SignpostError(
        'DNS_ROLLOVER_TOO_EARLY',
        `resolvers may still trust only the old key ${status.active.tag} until ${status.next!.finishAfter} (the rollover started at ${status.next!.startedAt}; then the DNSKEY TTL and the parent's DS TTL must pass): replace its DS with the new one's at the parent and finish then, or --force`,
      );
    }
    await copyFile(join(dataDir, ZONE_KEY_FILE), join(dataDir, `dns-zone-key-retired-${status.active.tag}.jwk`), 1 /* COPYFILE_EXCL */).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await rename(join(dataDir, NEXT_ZONE_KEY_FILE), join(dataDir, ZONE_KEY_FILE));
    return { active: { tag: status.next!.tag, algorithm: status.next!.algorithm }, retired: status.active, early };
  } finally {
    lock.release();
  }
}
