import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { didDocumentPath, didWebFromUrl } from '../credentials/registry-did.js';
import { isLoopbackHost, parseDidWeb } from './did-web-url.js';

/** The document URL of a did:web, or the refusal. */
const urlOf = (did: string) => {
  const parsed = parseDidWeb(did);
  return parsed.ok ? { ok: true, value: parsed.value.url } : parsed;
};

describe('did:web → URL (did:web method specification)', () => {
  it.each([
    ['did:web:w3c-ccg.github.io', 'https://w3c-ccg.github.io/.well-known/did.json'],
    ['did:web:w3c-ccg.github.io:user:alice', 'https://w3c-ccg.github.io/user/alice/did.json'],
    ['did:web:example.com%3A3000', 'https://example.com:3000/.well-known/did.json'],
    ['did:web:example.com%3A3000:user:alice', 'https://example.com:3000/user/alice/did.json'],
    ['did:web:127.0.0.1%3A8700', 'https://127.0.0.1:8700/.well-known/did.json'],
    ['did:web:acme.com:Teams:%C3%A9t%C3%A9', 'https://acme.com/Teams/%C3%A9t%C3%A9/did.json'],
    ['did:web:acme.com:teams:a%20b', 'https://acme.com/teams/a%20b/did.json'],
  ])('%s → %s', (did, url) => {
    expect(urlOf(did)).toEqual({ ok: true, value: url });
  });

  it('parses host, port and path', () => {
    expect(parseDidWeb('did:web:example.com%3A8443:user:alice')).toMatchObject({
      ok: true,
      value: { hostname: 'example.com', port: 8443, path: ['user', 'alice'] },
    });
  });

  it.each([
    ['another method', 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'],
    ['an empty host', 'did:web:'],
    ['a fragment', 'did:web:example.com#key-1'],
    ['a query', 'did:web:example.com?versionId=1'],
    ['a slash', 'did:web:example.com/user'],
    ['an empty path segment', 'did:web:example.com::alice'],
    ['a trailing colon', 'did:web:example.com:'],
    ['a dot-dot segment', 'did:web:example.com:..:admin'],
    ['an encoded slash', 'did:web:example.com:a%2Fb'],
    ['port 0', 'did:web:example.com%3A0'],
    ['port 70000', 'did:web:example.com%3A70000'],
    ['an IPv6 literal', 'did:web:%5B%3A%3A1%5D'],
    ['a bad label', 'did:web:-acme.com'],
    ['a numeric non-IP', 'did:web:999.1.1.1'],
    // Non-canonical IPv4 forms: the WHATWG URL parser (and so the fetcher) reads them as 127.0.0.1 or 169.254.169.254.
    ['a hex/decimal mix that URL parsers read as 127.0.0.1', 'did:web:0x7f.1%3A9'],
    ['a single hex number (127.0.0.1)', 'did:web:0x7f000001'],
    ['a single hex number (169.254.169.254)', 'did:web:0xa9fea9fe'],
    ['a single decimal number', 'did:web:2130706433'],
    ['a short dotted IPv4 form', 'did:web:127.1'],
    ['octal IPv4 parts', 'did:web:0177.0.0.1'],
    ['a hex last part', 'did:web:1.2.3.0x10'],
    ['a numeric last label', 'did:web:acme.1'],
    ['a hex last label', 'did:web:acme.0x10'],
    ['userinfo', 'did:web:user%40example.com'],
    ['invalid percent-encoded UTF-8', 'did:web:example.com:%FF'],
    // Non-canonical spellings of a DID that has a canonical one: each would be its own cache entry and fetch.
    ['a host in capitals', 'did:web:Example.COM'],
    ['an escaped unreserved character in the host', 'did:web:a%2Eb.com'],
    ['an escaped letter in the host', 'did:web:%61cme.com'],
    ['the default port', 'did:web:example.com%3A443'],
    ['a port with a leading zero', 'did:web:example.com%3A08443'],
    ['a lowercase %3a', 'did:web:example.com%3a3000'],
    ['an escaped unreserved character in the path', 'did:web:example.com:%61lice'],
    ['lowercase hex in a path escape', 'did:web:example.com:a%c3%a9'],
    ['a DID that is far too long', `did:web:example.com:${'a'.repeat(3000)}`],
  ])('refuses %s with DID_UNRESOLVABLE', (_what, did) => {
    const result = parseDidWeb(did);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.code).toBe('DID_UNRESOLVABLE');
  });

  it('is the inverse of didWebFromUrl for https URLs (the document lives at didDocumentPath)', () => {
    // No `xn--` label: the URL parser decodes it as punycode and refuses a random one ("xn--0" drew an Invalid URL about 1 seed in 100).
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/).filter((text) => !text.startsWith('xn--'));
    // No `~ ! * ' ( )`: encodeURIComponent leaves them bare, so didWebFromUrl would emit DIDs outside DID Core's idchar.
    const segment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._ -]{0,10}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), fc.option(fc.integer({ min: 1, max: 65_535 })), fc.array(segment, { maxLength: 3 }), (labels, port, path) => {
        const host = labels.join('.') + '.example';
        const base = `https://${host}${port === null || port === 443 ? '' : `:${port}`}${path.map((s) => `/${encodeURIComponent(s)}`).join('')}`;
        const did = didWebFromUrl(base);
        const url = urlOf(did);
        expect(url).toEqual({ ok: true, value: new URL(didDocumentPath(base), base + '/').href });
      }),
    );
  });

  it('tells the canonical spelling when it refuses another', () => {
    expect(parseDidWeb('did:web:EXAMPLE.com%3A443:%61lice')).toMatchObject({ ok: false, problems: [{ detail: expect.stringMatching(/write it as did:web:example\.com:alice$/) }] });
    expect(parseDidWeb('did:web:example.com%3a8443')).toMatchObject({ ok: false, problems: [{ detail: expect.stringMatching(/did:web:example\.com%3A8443$/) }] });
  });

  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', 'api.localhost'].every(isLoopbackHost)).toBe(true);
    expect(['128.0.0.1', 'localhost.example', 'example.com', '10.0.0.1'].some(isLoopbackHost)).toBe(false);
  });
});
