/**
 * DNS response sizes of real agents: every importable server of the MCP registry seed
 * (../shared/data/mcp-registry-seed.json, 471 entries) registered in-process, then asked for over
 * the DNS face's translation (`answerMessage`, no socket): the SVCB discovery query and the TXT of
 * the signed AgentAddr, each with EDNS(0) and the DO bit (signed, online, Ed25519), and the same
 * without DNSSEC as the baseline of this run. Sizes are of the full answer (as over TCP), so an
 * answer over the 1,232-byte UDP budget is counted, not truncated. The Verisign paper's P90
 * estimate (980 bytes with DNSSEC, RSA) is printed beside them.
 *
 *   npm run bench:dns-sizes
 *
 * Target (issue 11): P90 of the signed discovery answer <= 700 bytes.
 */
import { Registry } from '../../src/core/registry/registry.js';
import { registryResolution } from '../../src/core/resolve/resolution-pipeline.js';
import { signingKeyFromSeed } from '../../src/core/trust/ed25519.js';
import { toDnsOwnerName } from '../../src/core/name/agent-name.js';
import { parseAgentName } from '../../src/core/name/index.js';
import { measureAnswerSizes, UDP_BUDGET } from '../../src/faces/dns/answer-sizes.js';
import { ZoneSigner } from '../../src/faces/dns/dnssec.js';
import { generateZoneKey } from '../../src/faces/dns/zone-key.js';
import { ZoneView } from '../../src/faces/dns/zone-view.js';
import { MemoryRecordStore } from '../../src/store/memory/memory-store.js';
import { benchAgents, signedRegistration } from '../support/agents.js';
import { int, percentile, table } from '../support/stats.js';

const VERISIGN_P90 = 980;
const TARGET_P90 = 700;

async function main(): Promise<void> {
  const { candidates, source } = benchAgents(10_000);
  const clock = { now: () => Date.now() };
  const store = new MemoryRecordStore();
  const registry = new Registry({ store, key: signingKeyFromSeed(new Uint8Array(32).fill(9)), clock });
  const registered: string[] = [];
  for (const candidate of candidates) {
    // As a registry at a typical public URL would name its facts.
    const registration = signedRegistration(candidate, 'https://registry.example.com');
    const result = await registry.register(registration);
    if (result.ok) registered.push(candidate.name);
  }
  const signer = new ZoneSigner(generateZoneKey('ed25519').key, { now: () => clock.now() });
  const view = new ZoneView({ resolution: registryResolution(registry, clock), serial: () => store.logSize(), serverName: 'ns1.registry.example.com', dnskeys: (zone) => signer.dnskeys(zone) });

  const owners = registered.flatMap((name) => {
    const parsed = parseAgentName(name);
    return parsed.ok ? [toDnsOwnerName(parsed.value.name)] : [];
  });
  const measured = await measureAnswerSizes(view, signer, owners);
  const plain = await measureAnswerSizes(view, undefined, owners);
  // An agent with no http(s) endpoint (an MCP server run over stdio) has no SVCB: its answer is a signed NODATA.
  const withEndpoints = measured.flatMap((size, i) => (size.svcbRecords > 0 ? [{ signed: size.svcbBytes, plain: plain[i]!.svcbBytes }] : []));
  const sizes = {
    discoverySigned: measured.map((size) => size.svcbBytes),
    svcbSigned: withEndpoints.map((size) => size.signed),
    svcbPlain: withEndpoints.map((size) => size.plain),
    nodataSigned: measured.filter((size) => size.svcbRecords === 0).map((size) => size.svcbBytes),
    txtSigned: measured.map((size) => size.txtBytes),
    txtPlain: plain.map((size) => size.txtBytes),
  };

  const sortedOf = (values: number[]) => Float64Array.from(values).sort();
  const row = (label: string, values: number[]) => {
    const sorted = sortedOf(values);
    return [label, int(values.length), int(percentile(sorted, 50)), int(percentile(sorted, 90)), int(sorted[sorted.length - 1] ?? Number.NaN), int(values.filter((value) => value > UDP_BUDGET).length)];
  };
  console.log(`\nDNS response sizes (bytes, whole message), ${registered.length} agents of ${source}\n`);
  console.log(
    table(
      ['answer', 'agents', 'P50', 'P90', 'max', `> ${UDP_BUDGET}`],
      [
        row('SVCB discovery answer of every agent, signed', sizes.discoverySigned),
        row('SVCB, agents with an http(s) endpoint, signed', sizes.svcbSigned),
        row('SVCB, the same, unsigned (baseline)', sizes.svcbPlain),
        row('SVCB, stdio-only agents: signed NODATA', sizes.nodataSigned),
        row('TXT signed AgentAddr, signed (every agent)', sizes.txtSigned),
        row('TXT signed AgentAddr, unsigned (baseline)', sizes.txtPlain),
      ],
    ),
  );
  console.log(`\nVerisign "The Case for DNS" P90 estimate with DNSSEC (RSA): ${VERISIGN_P90} bytes; UDP budget ${UDP_BUDGET}`);
  // The measure is every agent's discovery answer; the agents with endpoints alone are the stricter cut.
  for (const [label, values] of [
    ['SVCB discovery answer of every agent', sizes.discoverySigned],
    ['SVCB of agents with endpoints', sizes.svcbSigned],
    ['TXT of every agent', sizes.txtSigned],
  ] as const) {
    const p90 = percentile(sortedOf(values), 90);
    console.log(`target P90 <= ${TARGET_P90} bytes with DNSSEC, ${label}: ${p90 <= TARGET_P90 ? 'PASS' : 'FAIL'} (P90 ${int(p90)})`);
  }
}

await main();
