/**
 * The DNS face as the composition root starts it: the authoritative server of faces/dns over the
 * shared resolution pipeline, on the configured port (UDP and TCP), with the event log's size as
 * every zone's serial.
 */
import type { Logger } from 'pino';
import { startDnsServer, type RunningDnsServer } from '../faces/dns/dns-server.js';
import { ZoneView } from '../faces/dns/zone-view.js';
import type { ServeConfig } from './config.js';
import type { Face } from './face.js';
import type { RegistryServices } from './registry-services.js';

export function dnsFace(services: RegistryServices, config: ServeConfig & { readonly dnsPort: number }, logger: Logger): Face {
  let server: RunningDnsServer | undefined;
  const host = config.dnsHost ?? config.host;
  return {
    name: 'dns',
    async start() {
      const view = new ZoneView({ resolution: services.resolution, serial: () => services.store.logSize(), serverName: config.dnsServerName ?? 'localhost' });
      server = await startDnsServer({ view, host, port: config.dnsPort, onError: (error) => logger.error({ err: error }, 'a DNS question could not be answered (SERVFAIL)') });
      return { url: `dns://${host.includes(':') ? `[${host}]` : host}:${server.port}` };
    },
    async close() {
      await server?.close();
    },
  };
}
