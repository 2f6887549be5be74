import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT, serveConfig } from './config.js';

describe('serveConfig', () => {
  it('defaults to loopback, port 8700, ./signpost-data, info logs', () => {
    const config = serveConfig({}, {});
    expect(config).toMatchObject({ ok: true, value: { host: '127.0.0.1', port: DEFAULT_PORT, logLevel: 'info' } });
    expect(config.ok && config.value.dataDir).toMatch(/signpost-data$/);
  });

  it('takes flags over environment over defaults', () => {
    const env = { SIGNPOST_PORT: '9000', SIGNPOST_HOST: '0.0.0.0', SIGNPOST_DATA: '/var/lib/signpost', SIGNPOST_LOG_LEVEL: 'warn' };
    expect(serveConfig({}, env)).toEqual({ ok: true, value: { host: '0.0.0.0', port: 9000, dataDir: '/var/lib/signpost', logLevel: 'warn' } });
    expect(serveConfig({ port: '0', logLevel: 'debug' }, env)).toMatchObject({ ok: true, value: { port: 0, logLevel: 'debug' } });
  });

  it.each(['-1', '65536', 'http', '80.5', ''])('refuses port %j', (port) => {
    expect(serveConfig({ port }, {})).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
  });

  it('refuses an unknown log level', () => {
    expect(serveConfig({ logLevel: 'loud' }, {})).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
  });
});

describe('serveConfig: public URL', () => {
  it('takes --public-url or SIGNPOST_PUBLIC_URL, without a trailing slash', () => {
    expect(serveConfig({ publicUrl: 'https://registry.acme.com/' }, {})).toMatchObject({ ok: true, value: { publicUrl: 'https://registry.acme.com' } });
    expect(serveConfig({}, { SIGNPOST_PUBLIC_URL: 'http://10.0.0.1:8700' })).toMatchObject({ ok: true, value: { publicUrl: 'http://10.0.0.1:8700' } });
    expect(serveConfig({}, {}).ok && 'publicUrl' in (serveConfig({}, {}) as { value: object }).value).toBe(false);
  });

  it.each(['ftp://x', 'registry.acme.com', 'https://acme.com/?q=1', 'https://acme.com/#x'])('refuses %s', (publicUrl) => {
    expect(serveConfig({ publicUrl }, {})).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
  });
});

describe('serveConfig: namespace owners', () => {
  it('takes NAMESPACE=DID pairs, and refuses malformed or repeated ones', () => {
    expect(serveConfig({ namespaceOwner: ['acme.com=did:web:acme-holding.example', 'shop.example=did:web:shop.example:org'] }, {})).toMatchObject({
      ok: true,
      value: { namespaceOwners: { 'acme.com': 'did:web:acme-holding.example', 'shop.example': 'did:web:shop.example:org' } },
    });
    expect(serveConfig({}, {})).toMatchObject({ ok: true, value: expect.not.objectContaining({ namespaceOwners: expect.anything() }) });
    for (const bad of ['acme.com', 'acme.com=', '=did:web:x', 'acme.com=https://acme.com', 'ACME.com=did:web:acme.com', 'acme.com=did:web:acme.com#key-1', 'acme.com=did:key:z6MkTypo', 'acme.com=did:web:ACME.com']) {
      const result = serveConfig({ namespaceOwner: bad }, {});
      expect({ bad, code: result.ok ? undefined : result.problems[0]!.code }).toEqual({ bad, code: 'REQUEST_INVALID' });
    }
    const twice = serveConfig({ namespaceOwner: ['acme.com=did:web:a.example', 'acme.com=did:web:b.example'] }, {});
    expect(!twice.ok && twice.problems[0]!.detail).toContain('twice');
  });
});

describe('serveConfig: did:web fetching', () => {
  it('passes the private-network and loopback-http switches only when asked', () => {
    expect(serveConfig({ allowPrivateDidWeb: true, allowHttpDidWeb: true }, {})).toMatchObject({ ok: true, value: { allowPrivateDidWeb: true, allowHttpDidWeb: true } });
    const plain = serveConfig({}, {});
    expect(plain.ok && 'allowPrivateDidWeb' in plain.value).toBe(false);
  });
});

describe('serveConfig: certification status sweep', () => {
  it('takes the interval from the flag or SIGNPOST_STATUS_SWEEP, within 1 s .. 24 h', () => {
    expect(serveConfig({ statusSweep: '2m' }, {})).toMatchObject({ ok: true, value: { statusSweepSeconds: 120 } });
    expect(serveConfig({}, { SIGNPOST_STATUS_SWEEP: '30' })).toMatchObject({ ok: true, value: { statusSweepSeconds: 30 } });
    for (const bad of ['0', '25h', 'often']) expect(serveConfig({ statusSweep: bad }, {}).ok).toBe(false);
  });
});

describe('serveConfig: request body timeout', () => {
  it('takes the timeout from the flag or SIGNPOST_BODY_TIMEOUT, within 1 s .. 10 m; unset leaves the face default', () => {
    expect(serveConfig({ bodyTimeout: '30s' }, {})).toMatchObject({ ok: true, value: { bodyTimeoutSeconds: 30 } });
    expect(serveConfig({}, { SIGNPOST_BODY_TIMEOUT: '2m' })).toMatchObject({ ok: true, value: { bodyTimeoutSeconds: 120 } });
    const unset = serveConfig({}, {});
    expect(unset.ok && 'bodyTimeoutSeconds' in unset.value).toBe(false);
    for (const bad of ['0', '11m', 'slow']) expect(serveConfig({ bodyTimeout: bad }, {}), bad).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
  });
});

describe('serveConfig: namespace owners named by did:key', () => {
  it('takes the watch bounds from flags or SIGNPOST_WATCH_*; unset leaves the watch defaults', () => {
    expect(serveConfig({ watchMaxSubscribers: '50', watchHeartbeat: '30s' }, {})).toMatchObject({ ok: true, value: { watchMaxSubscribers: 50, watchHeartbeatSeconds: 30 } });
    expect(serveConfig({}, { SIGNPOST_WATCH_MAX_SUBSCRIBERS: '0', SIGNPOST_WATCH_HEARTBEAT: '1m' })).toMatchObject({ ok: true, value: { watchMaxSubscribers: 0, watchHeartbeatSeconds: 60 } });
    const unset = serveConfig({}, {});
    expect(unset.ok && ('watchMaxSubscribers' in unset.value || 'watchHeartbeatSeconds' in unset.value)).toBe(false);
    for (const bad of ['-1', 'many', '2000000']) expect(serveConfig({ watchMaxSubscribers: bad }, {}), bad).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
    for (const bad of ['0', '2h', 'often']) expect(serveConfig({ watchHeartbeat: bad }, {}), bad).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
  });

  it('takes the DNS face from --dns-port or SIGNPOST_DNS_PORT, with its host and server name; unset: no DNS face', () => {
    expect(serveConfig({ dnsPort: '5353', dnsHost: '::1', dnsServerName: 'ns1.example.com.' }, {})).toMatchObject({ ok: true, value: { dnsPort: 5353, dnsHost: '::1', dnsServerName: 'ns1.example.com' } });
    expect(serveConfig({}, { SIGNPOST_DNS_PORT: '0' })).toMatchObject({ ok: true, value: { dnsPort: 0 } });
    const unset = serveConfig({}, {});
    expect(unset.ok && 'dnsPort' in unset.value).toBe(false);
    for (const bad of ['-1', '65536', 'dns']) expect(serveConfig({ dnsPort: bad }, {}), bad).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
    expect(serveConfig({ dnsPort: '53', dnsServerName: 'not a name' }, {})).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
    expect(serveConfig({ dnsPort: '53', dnsAllowTransfer: ['127.0.0.1', '::1'], dnsNotify: ['127.0.0.1:5301', '[::1]:53'] }, {})).toMatchObject({
      ok: true,
      value: { dnsAllowTransfer: [{ address: '127.0.0.1' }, { address: '::1' }], dnsNotify: [{ host: '127.0.0.1', port: 5301 }, { host: '::1', port: 53 }] },
    });
    expect(serveConfig({}, { SIGNPOST_DNS_PORT: '53', SIGNPOST_DNS_ALLOW_TRANSFER: '192.0.2.1, 192.0.2.2', SIGNPOST_DNS_NOTIFY: '192.0.2.1:53' })).toMatchObject({
      ok: true,
      value: { dnsAllowTransfer: [{ address: '192.0.2.1' }, { address: '192.0.2.2' }], dnsNotify: [{ host: '192.0.2.1', port: 53 }] },
    });
    // TSIG: entries name a key of the key file (read at start), which is made absolute.
    expect(serveConfig({ dnsPort: '53', dnsTsigKeyFile: 'keys.conf', dnsAllowTransfer: ['::1=Transfer-Key.'], dnsNotify: ['[::1]:5301=transfer-key'] }, {})).toMatchObject({
      ok: true,
      value: { dnsTsigKeyFile: expect.stringMatching(/^\/.*\/keys\.conf$/), dnsAllowTransfer: [{ address: '::1', key: 'transfer-key' }], dnsNotify: [{ host: '::1', port: 5301, key: 'transfer-key' }] },
    });
    expect(serveConfig({ dnsPort: '53', dnsAllowTransfer: ['127.0.0.1=transfer-key'] }, {})).toEqual({
      ok: false,
      problems: [{ code: 'REQUEST_INVALID', detail: '"127.0.0.1=transfer-key" names the TSIG key transfer-key, but no --dns-tsig-key-file gives keys' }],
    });
    // UPDATE: a key of the key file, for one zone or every zone.
    expect(serveConfig({ dnsPort: '53', dnsTsigKeyFile: 'keys.conf', dnsAllowUpdate: ['Update-Key.=_AGENTS.acme.com.', 'ops-key'] }, {})).toMatchObject({
      ok: true,
      value: { dnsAllowUpdate: [{ key: 'update-key', zone: '_agents.acme.com' }, { key: 'ops-key' }] },
    });
    expect(serveConfig({}, { SIGNPOST_DNS_PORT: '53', SIGNPOST_DNS_TSIG_KEY_FILE: 'keys.conf', SIGNPOST_DNS_ALLOW_UPDATE: 'a-key=_agents.a.org, b-key' })).toMatchObject({
      ok: true,
      value: { dnsAllowUpdate: [{ key: 'a-key', zone: '_agents.a.org' }, { key: 'b-key' }] },
    });
    expect(serveConfig({ dnsPort: '53', dnsAllowUpdate: ['update-key'] }, {})).toEqual({
      ok: false,
      problems: [{ code: 'REQUEST_INVALID', detail: '"update-key" names the TSIG key update-key, but no --dns-tsig-key-file gives keys' }],
    });
    // A namespace's own zone only when it is served whole.
    expect(serveConfig({ dnsPort: '53', dnsTsigKeyFile: 'keys.conf', dnsAllowUpdate: ['update-key=agents.example'], dnsFlatZone: ['agents.example'] }, {})).toMatchObject({
      ok: true,
      value: { dnsAllowUpdate: [{ key: 'update-key', zone: 'agents.example' }] },
    });
    expect(serveConfig({ dnsPort: '53', dnsTsigKeyFile: 'keys.conf', dnsAllowUpdate: ['update-key=_agents.agents.example'], dnsFlatZone: ['agents.example'] }, {})).toEqual({
      ok: false,
      problems: [{ code: 'REQUEST_INVALID', detail: '--dns-allow-update update-key=_agents.agents.example: agents.example is served whole (--dns-flat-zone), so its zone is agents.example: give update-key=agents.example' }],
    });
    expect(serveConfig({ dnsPort: '53', dnsTsigKeyFile: 'keys.conf', dnsAllowUpdate: ['update-key=acme.com'] }, {})).toEqual({
      ok: false,
      problems: [{ code: 'REQUEST_INVALID', detail: '--dns-allow-update update-key=acme.com: the zones are _agents.<namespace>, and acme.com only with --dns-flat-zone acme.com' }],
    });
    for (const bad of ['bad key', 'update-key=_agents.acme..com', 'update-key=_agents.ACME com']) {
      expect(serveConfig({ dnsPort: '53', dnsTsigKeyFile: 'keys.conf', dnsAllowUpdate: [bad] }, {}), bad).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
    }
    expect(serveConfig({ dnsPort: '53', dnsRateLimit: '20' }, {})).toMatchObject({ ok: true, value: { dnsRateLimit: 20 } });
    expect(serveConfig({ dnsPort: '53' }, { SIGNPOST_DNS_ZONE_ALGORITHM: 'ecdsap256' })).toMatchObject({ ok: true, value: { dnsZoneAlgorithm: 'ecdsap256' } });
    expect(serveConfig({ dnsPort: '53', dnsZoneAlgorithm: 'rsasha256' }, {})).toEqual({
      ok: false,
      problems: [{ code: 'REQUEST_INVALID', detail: '--dns-zone-algorithm takes ed25519 or ecdsap256, got "rsasha256"' }],
    });
    // Addresses as peers' are compared: IPv6 lowercase and compressed, IPv4-mapped as IPv4.
    expect(serveConfig({ dnsPort: '53', dnsAllowTransfer: ['2001:DB8:0:0::1', '::ffff:192.0.2.7'], dnsNotify: ['[2001:DB8::0:53]:53'] }, {})).toMatchObject({
      ok: true,
      value: { dnsAllowTransfer: [{ address: '2001:db8::1' }, { address: '192.0.2.7' }], dnsNotify: [{ host: '2001:db8::53', port: 53 }] },
    });
    expect(serveConfig({ dnsPort: '53', dnsAllowTransfer: ['2001:db8::1', '2001:DB8:0::1'] }, {})).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
    // Namespaces served whole: checked and lowercased as agent namespaces are, each once; the TCP cap.
    expect(serveConfig({ dnsPort: '53', dnsFlatZone: ['Agents.Example.', 'agents.example', 'acme.com'], dnsMaxTcpConnections: '64' }, {})).toMatchObject({
      ok: true,
      value: { dnsFlatZones: ['agents.example', 'acme.com'], dnsMaxTcpConnections: 64 },
    });
    expect(serveConfig({ dnsPort: '53' }, { SIGNPOST_DNS_FLAT_ZONE: 'a.example,b.example' })).toMatchObject({ ok: true, value: { dnsFlatZones: ['a.example', 'b.example'] } });
    for (const [flag, value] of [
      ['dnsFlatZone', 'under_score.example'],
      ['dnsFlatZone', '-bad.example'],
      ['dnsMaxTcpConnections', '0'],
      ['dnsMaxTcpConnections', 'many'],
    ] as const) {
      expect(serveConfig({ dnsPort: '53', [flag]: flag === 'dnsFlatZone' ? [value] : value }, {}), value).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
    }
    for (const [flag, value] of [
      ['dnsRateLimit', '0'],
      ['dnsRateLimit', 'fast'],
      ['dnsAllowTransfer', 'ns1.example.com'],
      ['dnsAllowTransfer', '127.0.0.1=bad key'],
      ['dnsNotify', '127.0.0.1:53=bad key'],
      ['dnsNotify', '127.0.0.1'],
      ['dnsNotify', 'ns1.example.com:53'],
      ['dnsNotify', '127.0.0.1:70000'],
    ] as const) {
      expect(serveConfig({ dnsPort: '53', [flag]: flag === 'dnsRateLimit' ? value : [value] }, {}), value).toMatchObject({ ok: false, problems: [{ code: 'REQUEST_INVALID' }] });
    }
  });

  it('refuses a small-order key with KEY_WEAK', () => {
    const identity = 'did:key:z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj';
    const result = serveConfig({ namespaceOwner: `acme.com=${identity}` }, {});
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'KEY_WEAK' }] });
  });
});
