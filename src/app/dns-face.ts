/**
 * The DNS face as the composition root starts it: the authoritative server of faces/dns over the
 * shared resolution pipeline, on the configured port (UDP and TCP), with the event log's size as
 * every zone's serial, and the zones signed online with the DNS zone keys of the data directory
 * (`dns-zone-key.jwk`, of --dns-zone-algorithm, made at the first start; kept apart from the
 * registry key; and the next key during a rollover: dns-zone-keys.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SignpostError } from '../core/errors.js';
import { parseAgentName } from '../core/name/index.js';
import { toDnsOwnerName } from '../core/name/agent-name.js';
import { Registry } from '../core/registry/registry.js';
import { registryResolution } from '../core/resolve/resolution-pipeline.js';
import { measureAnswerSizes, summarizeSizes } from '../faces/dns/answer-sizes.js';
import { SqliteRecordStore } from '../store/sqlite/sqlite-store.js';
import { lockDataDir } from '../adapters/data-dir-lock.js';
import { systemClock } from '../adapters/system-clock.js';
import { systemDelays } from '../adapters/system-timers.js';
import { startDnsServer, type RunningDnsServer } from '../faces/dns/dns-server.js';
import { ZoneSigner } from '../faces/dns/dnssec.js';
import { AGENTS_ZONE_LABEL, ZoneView } from '../faces/dns/zone-view.js';
import { ZoneNotifier } from '../faces/dns/notify.js';
import { ZoneJournal } from '../faces/dns/zone-journal.js';
import { DnsAnswerCache } from '../faces/dns/answer-cache.js';
import { ResponseRateLimiter } from '../faces/dns/rate-limit.js';
import { parseTsigKeys } from '../faces/dns/tsig-key-file.js';
import { TsigTimes, type TsigKey } from '../faces/dns/tsig.js';
import type { WatchSubscription } from '../core/log/log-watch.js';
import { readKeyFile } from '../adapters/key-file.js';
import { generateZoneKey, zoneAlgorithmName, type ZoneAlgorithmName } from '../faces/dns/zone-key.js';
import { existingZoneKeys, loadZoneKeys, signingKeys, ZONE_KEY_FILE } from './dns-zone-keys.js';
import type { ServeConfig } from './config.js';
import type { Face } from './face.js';
import type { RegistryServices } from './registry-services.js';

export function dnsFace(services: RegistryServices, config: ServeConfig & { readonly dnsPort: number }, logger: Logger): Face {
  let server: RunningDnsServer | undefined;
  /** What start() hooked into the core services (the cache's invalidation, the NOTIFY subscription), to undo. */
  const hooks: (() => void)[] = [];
  const unhook = () => {
    for (const undo of hooks.splice(0).reverse()) undo();
  };
  const host = config.dnsHost ?? config.host;
  return {
    name: 'dns',
    async start() {
      const keys = await loadZoneKeys(config.dataDir, config.dnsZoneAlgorithm ?? 'ed25519');
      if (!keys.created && config.dnsZoneAlgorithm !== undefined && zoneAlgorithmName(keys.active.algorithm) !== config.dnsZoneAlgorithm) {
        logger.warn(`--dns-zone-algorithm ${config.dnsZoneAlgorithm} applies to a new zone key; ${ZONE_KEY_FILE} is ${zoneAlgorithmName(keys.active.algorithm)}: change it with signpost dns rollover start --algorithm ${config.dnsZoneAlgorithm}`);
      }
      const signer = new ZoneSigner(signingKeys(keys), { now: () => services.clock.now() });
      const view = new ZoneView({
        resolution: services.resolution,
        serial: () => services.store.logSize(),
        serverName: config.dnsServerName ?? 'localhost',
        dnskeys: (zone) => signer.dnskeys(zone),
        names: (namespace) => agentNamesUnder(services.registry, namespace),
        ...(config.dnsFlatZones === undefined ? {} : { flatNamespaces: config.dnsFlatZones }),
        ...(config.publicUrl === undefined ? {} : { registryUrl: config.publicUrl }),
      });
      const zoneOfAgent = (name: string) => {
        const parsed = parseAgentName(name);
        return parsed.ok ? view.zoneOfNamespace(parsed.value.name.namespace) : undefined;
      };
      const tsigKeys = config.dnsTsigKeyFile === undefined ? [] : await loadTsigKeys(config.dnsTsigKeyFile, logger);
      const transferKeys = new Map((config.dnsAllowTransfer ?? []).map((allowed) => [allowed.address, allowed.key === undefined ? undefined : tsigKeyNamed(tsigKeys, allowed.key, '--dns-allow-transfer')]));
      const updateKeys = (config.dnsAllowUpdate ?? []).map((allowed) => ({ key: tsigKeyNamed(tsigKeys, allowed.key, '--dns-allow-update'), zone: allowed.zone }));
      const notifyTargets = (config.dnsNotify ?? []).map((target) => ({ ...target, key: target.key === undefined ? undefined : tsigKeyNamed(tsigKeys, target.key, '--dns-notify') }));
      const cache = new DnsAnswerCache({ now: () => services.clock.now() });
      // Made once the server's socket is there to send from; its answers reach it before.
      let notifier: ZoneNotifier | undefined;
      // Synchronously with every write, before its HTTP answer: DNS never serves what HTTP refuses.
      hooks.push(
        services.registry.onChange(({ name }) => {
          const zone = zoneOfAgent(name);
          if (zone !== undefined) cache.invalidateZone(zone);
        }),
        // A claim changes which of the zone's names answer.
        services.registry.onNamespaceChange((namespace) => cache.invalidateZone(view.zoneOfNamespace(namespace))),
      );
      // A face that fails to start leaves nothing behind.
      server = await startDnsServer({
        view,
        signer,
        cache,
        journal: new ZoneJournal(),
        host,
        port: config.dnsPort,
        tsig: { keys: tsigKeys, now: () => services.clock.now(), seen: new TsigTimes() },
        // An address listed with a key transfers only with a request signed by that key.
        transferAllowed: (address, keyName) => {
          const normalized = address.replace(/^::ffff:/, '');
          return transferKeys.has(normalized) && (transferKeys.get(normalized) === undefined || transferKeys.get(normalized)!.name === keyName);
        },
        maxTcpConnections: config.dnsMaxTcpConnections,
        // An UPDATE's TSIG key may talk to the zone; the document it carries is checked by the registry, as over HTTP.
        ...(updateKeys.length === 0
          ? {}
          : {
              update: {
                writes: services.registry,
                allowed: (keyName: string, zone: string) => updateKeys.some((allowed) => allowed.key.name === keyName && (allowed.zone ?? zone) === zone),
                onApplied: ({ keyName, kind, name }: { keyName: string; kind: string; name: string }) => logger.info({ name, kind, tsigKey: keyName }, 'agent written by DNS UPDATE'),
              },
            }),
        onUdpResponse: (message, from) => notifier?.answered(message, from),
        ...(config.dnsRateLimit === undefined ? {} : { rateLimiter: new ResponseRateLimiter({ perSecond: config.dnsRateLimit, now: () => services.clock.now() }) }),
        onError: (error) => logger.error({ err: error }, 'a DNS question could not be answered (SERVFAIL)'),
      }).catch((error: unknown) => {
        unhook();
        throw error;
      });
      const running = server;
      // Secondaries hear of every change of their zone from the event log's live watch.
      const zoneNotifier = new ZoneNotifier({
        targets: notifyTargets,
        send: (message, target) => running.sendUdp(message, target.host, target.port),
        now: () => services.clock.now(),
        delays: systemDelays,
        onUnanswered: (zone, target) => logger.warn(`the secondary ${target.host}:${target.port} answered no NOTIFY of ${zone}: it transfers at its SOA refresh`),
      });
      notifier = zoneNotifier;
      hooks.push(() => zoneNotifier.close());
      if (notifyTargets.length > 0) {
        let subscription: WatchSubscription | undefined;
        const subscribed = await services.watch.subscribe(undefined, {
          onReady: () => {
            for (const entry of subscription?.take() ?? []) {
              const { name, namespace } = entry.event;
              const zone = typeof name === 'string' ? zoneOfAgent(name) : typeof namespace === 'string' ? view.zoneOfNamespace(namespace) : undefined;
              if (zone !== undefined) zoneNotifier.changed(zone);
            }
          },
          onEnd: (end) => logger.warn({ code: end.code }, `the DNS face stopped following the log: ${end.detail}`),
        });
        if (subscribed.ok) subscription = subscribed.value;
        hooks.push(() => subscription?.close());
      }
      return { url: `dns://${host.includes(':') ? `[${host}]` : host}:${server.port}` };
    },
    async close() {
      unhook();
      await server?.close();
    },
  };
}

/** The TSIG keys of `serve --dns-tsig-key-file`: KEY_FILE_INVALID names the file (and line) that is unreadable or wrong. */
async function loadTsigKeys(path: string, logger: Logger): Promise<TsigKey[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
    // Shared secrets: say so when others on the machine may read them.
    if (((await stat(path)).mode & 0o077) !== 0) logger.warn(`${path} holds TSIG secrets and can be read by other users: chmod 600 it`);
  } catch (error) {
    throw new SignpostError('KEY_FILE_INVALID', `cannot read the TSIG key file ${path}: ${(error as Error).message}`);
  }
  const parsed = parseTsigKeys(text, path);
  if (!parsed.ok) throw SignpostError.from(parsed.problems);
  return parsed.value;
}

function tsigKeyNamed(keys: readonly TsigKey[], name: string, flag: string): TsigKey {
  const key = keys.find((candidate) => candidate.name === name);
  if (key === undefined) throw new SignpostError('REQUEST_INVALID', `${flag} names the TSIG key ${name}, which the --dns-tsig-key-file does not hold (it has ${keys.map((known) => known.name).join(', ')})`);
  return key;
}

/** The names of the active agents (of `namespace` only, if given: the store reads just its range of names), page by page. */
async function* agentNamesUnder(registry: Registry, namespace?: string): AsyncIterable<string> {
  for (let cursor: string | undefined; ; ) {
    const page = await registry.search({ limit: 100, ...(namespace === undefined ? {} : { namespace }), ...(cursor === undefined ? {} : { cursor }) });
    for (const { agent } of page.items) yield agent.name;
    if (page.nextCursor === null) return;
    cursor = page.nextCursor;
  }
}

/**
 * The DS records a namespace's zone publishes for `_agents.<namespace>` (or, `flat`, the namespace's
 * parent zone for the namespace itself), from the data directory's zone keys (both during a rollover).
 */
export async function dsRecords(dataDir: string, namespaces: readonly string[], flat = false): Promise<string[]> {
  const zones = namespaces.map((namespace) => {
    // A namespace is what an agent name's namespace may be: the same checks, the same errors.
    const parsed = parseAgentName(`agent://${namespace}/x`);
    if (!parsed.ok) throw SignpostError.from(parsed.problems.map((p) => ({ ...p, detail: `namespace ${JSON.stringify(namespace)}: ${p.detail}` })));
    return flat ? parsed.value.name.namespace : `${AGENTS_ZONE_LABEL}.${parsed.value.name.namespace}`;
  });
  const signer = new ZoneSigner(signingKeys(await loadZoneKeys(dataDir)), { now: () => 0 });
  return zones.flatMap((zone) => signer.ds(zone));
}

export interface DnsSizesReport {
  readonly agents: number;
  /** Whether the zone key of the data directory signed them (else an ephemeral key of the same kind did: the sizes are the same). */
  readonly zoneKey: 'data directory' | 'ephemeral';
  /** The algorithms of the keys that signed (two during a rollover: every RRset has an RRSIG of each). */
  readonly zoneAlgorithms: readonly ZoneAlgorithmName[];
  readonly svcb: ReturnType<typeof summarizeSizes>;
  readonly svcbOfAgentsWithEndpoints: ReturnType<typeof summarizeSizes>;
  readonly txt: ReturnType<typeof summarizeSizes>;
  /** The five largest answers. */
  readonly largest: readonly { readonly owner: string; readonly type: 'SVCB' | 'TXT'; readonly bytes: number }[];
}

/**
 * `signpost dns sizes`: the signed answer sizes of every active agent of a registry's data
 * directory, read with the registry stopped (the data directory is locked meanwhile, so a running
 * server is refused with DATA_DIR_IN_USE rather than read under its feet).
 */
export async function dnsSizes(dataDir: string): Promise<DnsSizesReport> {
  const lock = lockDataDir(dataDir);
  const store = SqliteRecordStore.open(join(dataDir, 'signpost.db'));
  try {
    const clock = systemClock;
    const registry = new Registry({ store, key: await readKeyFile(join(dataDir, 'registry-key.jwk')), clock });
    const keys = await existingZoneKeys(dataDir);
    const signer = new ZoneSigner(keys ? signingKeys(keys) : generateZoneKey('ed25519').key, { now: () => clock.now() });
    const view = new ZoneView({ resolution: registryResolution(registry, clock), serial: () => store.logSize(), serverName: 'localhost', dnskeys: (zone) => signer.dnskeys(zone) });
    const owners: string[] = [];
    for await (const name of agentNamesUnder(registry)) {
      const parsed = parseAgentName(name);
      if (parsed.ok) owners.push(toDnsOwnerName(parsed.value.name));
    }
    const sizes = await measureAnswerSizes(view, signer, owners);
    const largest = sizes
      .flatMap((size) => [
        { owner: size.owner, type: 'SVCB' as const, bytes: size.svcbBytes },
        { owner: size.owner, type: 'TXT' as const, bytes: size.txtBytes },
      ])
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 5);
    return {
      agents: sizes.length,
      zoneKey: keys ? 'data directory' : 'ephemeral',
      zoneAlgorithms: keys ? signingKeys(keys).map((key) => zoneAlgorithmName(key.algorithm)) : ['ed25519'],
      svcb: summarizeSizes(sizes.map((size) => size.svcbBytes)),
      svcbOfAgentsWithEndpoints: summarizeSizes(sizes.filter((size) => size.svcbRecords > 0).map((size) => size.svcbBytes)),
      txt: summarizeSizes(sizes.map((size) => size.txtBytes)),
      largest,
    };
  } finally {
    await store.close();
    lock.release();
  }
}
