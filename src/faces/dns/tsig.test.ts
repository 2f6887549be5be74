import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { answerMessage } from './dns-server.js';
import { parseTsigKeys } from './tsig-key-file.js';
import { ZoneView } from './zone-view.js';
import { readTsig, signAnswerMessages, signMessage, tsigErrorAnswer, tsigRdata, TsigTimes, verifyTsig, type SignedMessage, type TsigKey } from './tsig.js';

const SECRET = Buffer.from('signpost-tsig-test-secret-32-bytes!');
const SHA256_KEY: TsigKey = { name: 'transfer-key', algorithm: 'hmac-sha256', secret: SECRET };
const SHA512_KEY: TsigKey = { name: 'xfr.example', algorithm: 'hmac-sha512', secret: SECRET };

/**
 * Requests signed by the real clients, captured off the wire once (the secret above, base64
 * c2lnbnBvc3QtdHNpZy10ZXN0LXNlY3JldC0zMi1ieXRlcyE=):
 * `kdig -y hmac-sha256:transfer-key:… _agents.acme.com SOA`, signed at 0x6b12dcd4;
 * `kdig -y hmac-sha512:xfr.example:… _agents.acme.com AXFR`, signed at 0x6b12dded;
 * `dig -y hmac-sha256:transfer-key:… invoices.billing._agents.acme.com TXT` (with an OPT before the TSIG), signed at 0x6b12ddee.
 */
const VECTORS = [
  {
    client: 'kdig, hmac-sha256',
    key: SHA256_KEY,
    at: 0x6b12dcd4,
    hex: '4ca701200001000000000001075f6167656e74730461636d6503636f6d00000600010c7472616e736665722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b12dcd4012c0020173b7582a1e649dbcb09b34bc654ed40fec425825f631a793a2386862cc792504ca700000000',
  },
  {
    client: 'kdig, hmac-sha512',
    key: SHA512_KEY,
    at: 0x6b12dded,
    hex: 'f5a301200001000000000001075f6167656e74730461636d6503636f6d0000fc000103786672076578616d706c650000fa00ff00000000005d0b686d61632d7368613531320000006b12dded012c0040f41a461958c0356f87619008803b8105f75a2934b6cf533b50083779f4b525ed9d0fb5e8091d03ec1c3dccec9b4b65f6651fcf673fee1d66778e81b4f39db836f5a300000000',
  },
  {
    client: 'dig, hmac-sha256, EDNS',
    key: SHA256_KEY,
    at: 0x6b12ddee,
    hex: '59540120000100000000000208696e766f696365730762696c6c696e67075f6167656e74730461636d6503636f6d000010000100002904d000000000000c000a000873fb857f003e43720c7472616e736665722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b12ddee012c0020296df169de8369058f6393dc0b11ad8aa56e59400d036f19396f7168b3cb4505595400000000',
  },
] as const;

function signedOf(message: Buffer): SignedMessage {
  const reading = readTsig(message);
  if (reading.kind !== 'signed') throw new Error(`expected a signed message, got ${reading.kind}`);
  return reading.signed;
}

const query = (id = 7) => dnsPacket.encode({ type: 'query', id, questions: [{ type: 'AXFR', name: '_agents.acme.com' }] });

describe('TSIG verification of requests signed by dig and kdig', () => {
  for (const vector of VECTORS) {
    it(`${vector.client}: accepted with the key, refused with a flipped byte, another key or secret, or a time past the fudge`, () => {
      const message = Buffer.from(vector.hex, 'hex');
      const signed = signedOf(message);
      expect(signed.keyName).toBe(vector.key.name);
      expect(signed.rdata).toMatchObject({ algorithm: vector.key.algorithm, timeSigned: vector.at, fudge: 300, error: 0 });
      expect(verifyTsig(signed, [vector.key], { now: vector.at + 300 })).toMatchObject({ ok: true, key: vector.key });
      // The message without its TSIG is the query the client meant, with ARCOUNT one less.
      expect(dnsPacket.decode(signed.unsigned).questions?.[0]?.name).toMatch(/_agents\.acme\.com$/);

      // Every byte before the TSIG is covered: flip any of them and the MAC fails.
      for (const at of [2, 13, signed.unsigned.length - 1]) {
        const flipped = Buffer.from(message);
        flipped[at]! ^= 0x01;
        const reading = readTsig(flipped);
        expect(reading.kind === 'signed' ? verifyTsig(reading.signed, [vector.key], { now: vector.at }) : reading).toMatchObject({ ok: false, error: 'BADSIG' });
      }
      expect(verifyTsig(signed, [{ ...vector.key, secret: Buffer.from('another-secret-of-32-bytes-long!!') }], { now: vector.at })).toMatchObject({ ok: false, error: 'BADSIG' });
      expect(verifyTsig(signed, [{ ...vector.key, name: 'other-key' }], { now: vector.at })).toMatchObject({ ok: false, error: 'BADKEY' });
      expect(verifyTsig(signed, [{ ...vector.key, algorithm: vector.key.algorithm === 'hmac-sha256' ? 'hmac-sha512' : 'hmac-sha256' }], { now: vector.at })).toMatchObject({ ok: false, error: 'BADKEY' });
      expect(verifyTsig(signed, [], { now: vector.at })).toMatchObject({ ok: false, error: 'BADKEY' });
      expect(verifyTsig(signed, [vector.key], { now: vector.at + 301 })).toMatchObject({ ok: false, error: 'BADTIME', key: vector.key });
      expect(verifyTsig(signed, [vector.key], { now: vector.at - 301 })).toMatchObject({ ok: false, error: 'BADTIME' });
    });
  }
});

describe('TSIG signing', () => {
  it('a message we sign verifies, and the RDATA codec gives back what it encoded', () => {
    const signed = signedOf(signMessage(query(), SHA512_KEY, { timeSigned: 1_800_000_000 }).message);
    expect(verifyTsig(signed, [SHA256_KEY, SHA512_KEY], { now: 1_800_000_000 })).toMatchObject({ ok: true, key: SHA512_KEY });
    const encoded = tsigRdata.encode(signed.rdata);
    expect(encoded.length).toBe(tsigRdata.encodingLength(signed.rdata));
    expect(tsigRdata.decode(encoded, 0, encoded.length)).toEqual(signed.rdata);
  });

  it('a multi-message answer chains each MAC to the one before (RFC 8945 5.3.1): reordered or cut, it fails', () => {
    const request = signMessage(query(), SHA256_KEY, { timeSigned: 1_800_000_000 });
    const answers = [1, 2, 3].map(() => dnsPacket.encode({ type: 'response', id: 7, questions: [{ type: 'AXFR', name: '_agents.acme.com' }] }));
    const signed = signAnswerMessages(answers, SHA256_KEY, request.mac, 1_800_000_010);
    const verifyChain = (messages: readonly Buffer[]) => {
      let priorMac = request.mac;
      return messages.map((message, index) => {
        const verdict = verifyTsig(signedOf(message), [SHA256_KEY], { now: 1_800_000_010, priorMac, timersOnly: index > 0 });
        if (verdict.ok) priorMac = verdict.mac;
        return verdict.ok;
      });
    };
    expect(verifyChain(signed)).toEqual([true, true, true]);
    expect(verifyChain([signed[0]!, signed[2]!])).toEqual([true, false]);
  });

  it('error answers: BADKEY and BADSIG unsigned (empty MAC), BADTIME signed over the request MAC with our time in other data', () => {
    const request = signedOf(signMessage(query(), SHA256_KEY, { timeSigned: 1_000 }).message);
    const answer = dnsPacket.encode({ type: 'response', id: 7, flags: 9 });
    const badKey = signedOf(tsigErrorAnswer(answer, request, { ok: false, error: 'BADKEY', detail: '' }, 5_000));
    expect(badKey.rdata).toMatchObject({ error: 17, mac: Buffer.alloc(0), timeSigned: 1_000 });
    const badTime = signedOf(tsigErrorAnswer(answer, request, { ok: false, error: 'BADTIME', detail: '', key: SHA256_KEY }, 5_000));
    expect(badTime.rdata).toMatchObject({ error: 18, timeSigned: 1_000, other: Buffer.from([0, 0, 0, 0, 0x13, 0x88]) });
    expect(verifyTsig(badTime, [SHA256_KEY], { now: 1_000, priorMac: request.rdata.mac })).toMatchObject({ ok: true });
  });

  it('with a memory of times signed, a request signed earlier than one already accepted with its key is BADTIME (a replay); the same second, a later one and another key pass', () => {
    const seen = new TsigTimes();
    const query = (id: number) => dnsPacket.encode({ id, type: 'query', questions: [{ type: 'SOA', name: '_agents.acme.com' }] });
    const at = (time: number, key = SHA256_KEY, id = 1) => signedOf(signMessage(query(id), key, { timeSigned: time }).message);
    const verify = (signed: SignedMessage) => verifyTsig(signed, [SHA256_KEY, SHA512_KEY], { now: 1_000_000, seen });
    const first = at(1_000_000);
    expect(verify(first).ok).toBe(true);
    expect(verify(at(1_000_000, SHA256_KEY, 2)).ok).toBe(true);
    expect(verify(first).ok).toBe(true);
    expect(verify(at(1_000_001)).ok).toBe(true);
    const replayed = verify(first);
    expect(replayed).toMatchObject({ ok: false, error: 'BADTIME', key: SHA256_KEY, detail: expect.stringContaining('a replay') });
    // A refusal does not move the memory; another key has its own.
    expect(seen.latest(SHA256_KEY.name)).toBe(1_000_001);
    expect(verify(at(999_990, SHA512_KEY)).ok).toBe(true);
    // Without the memory (the default), only the fudge counts.
    expect(verifyTsig(first, [SHA256_KEY], { now: 1_000_000 }).ok).toBe(true);
  });

  it('a MAC truncated below the full length is BADTRUNC (we take full MACs), below half of it FORMERR', () => {
    const signed = signedOf(signMessage(query(), SHA256_KEY, { timeSigned: 1_000 }).message);
    const truncated = (bytes: number) => ({ ...signed, rdata: { ...signed.rdata, mac: signed.rdata.mac.subarray(0, bytes) } });
    expect(verifyTsig(truncated(20), [SHA256_KEY], { now: 1_000 })).toMatchObject({ ok: false, error: 'BADTRUNC' });
    expect(verifyTsig(truncated(8), [SHA256_KEY], { now: 1_000 })).toMatchObject({ ok: false, error: 'FORMERR' });
  });

  it('a TSIG that is not the last record, or runs past the message, is malformed; a message without one is unsigned', () => {
    const signed = signMessage(query(), SHA256_KEY, { timeSigned: 1_000 }).message;
    expect(readTsig(query()).kind).toBe('unsigned');
    expect(readTsig(signed.subarray(0, signed.length - 3))).toMatchObject({ kind: 'malformed' });
    const twice = signMessage(signed, SHA256_KEY, { timeSigned: 1_000 }).message;
    expect(readTsig(twice)).toMatchObject({ kind: 'malformed', detail: 'a TSIG record that is not the last record' });
    expect(readTsig(Buffer.concat([signed, Buffer.from([0])]))).toMatchObject({ kind: 'malformed' });
  });
});

describe('the TSIG key file', () => {
  const secret = SECRET.toString('base64');
  it('takes name:algorithm:secret lines and BIND key statements, with comments', () => {
    const text = [
      '# transfers to knot',
      `transfer-key:hmac-sha256:${secret}`,
      '',
      'key "XFR.example." {',
      '  algorithm hmac-sha512;',
      `  secret "${secret}"; // as tsig-keygen prints it`,
      '};',
    ].join('\n');
    expect(parseTsigKeys(text, 'keys.conf')).toEqual({ ok: true, value: [{ name: 'xfr.example', algorithm: 'hmac-sha512', secret: SECRET }, SHA256_KEY] });
  });

  it('names the file and line of a bad key, and never echoes a secret', () => {
    for (const [text, detail] of [
      [`a:hmac-md5:${secret}`, 'keys.conf:1: key a: algorithm "hmac-md5" is not one of hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512'],
      [`\na:hmac-sha256:not base64!`, 'keys.conf:2: key a: the secret is not base64'],
      ['a:hmac-sha256:c2hvcnQ=', 'keys.conf:1: key a: the secret has 5 bytes, fewer than 16'],
      [`a b:hmac-sha256:${secret}`, 'keys.conf:1: key name "a b" is not a domain name'],
      [`a:hmac-sha256:${secret}\nA.:hmac-sha512:${secret}`, 'keys.conf:2: key a is defined twice'],
      ['just-a-name', 'keys.conf:1: expected name:algorithm:base64-secret or a BIND key statement, got "just-a-name"'],
      ['# nothing', 'keys.conf holds no TSIG key'],
    ] as const) {
      const parsed = parseTsigKeys(text, 'keys.conf');
      expect(parsed).toEqual({ ok: false, problems: [{ code: 'KEY_FILE_INVALID', detail }] });
    }
  });
});

describe('the server remembers times signed', () => {
  it('answers a signed query replayed after a later one NOTAUTH with BADTIME, and the first time normally', async () => {
    // The apex SOA is all this asks, which needs no resolution.
    const view = new ZoneView({ resolution: undefined as never, serial: async () => 7, serverName: 'ns1.registry.example' });
    const now = 1_700_000_000;
    const answerer = { view, tsig: { keys: [SHA256_KEY], now: () => now * 1000, seen: new TsigTimes() } };
    const query = (time: number) => signMessage(dnsPacket.encode({ id: 9, type: 'query', questions: [{ type: 'SOA', name: '_agents.acme.com' }] }), SHA256_KEY, { timeSigned: time }).message;
    const rcodeAndError = async (message: Buffer) => {
      const answer = (await answerMessage(answerer, message, 'udp'))!;
      const reading = readTsig(answer);
      return [answer.readUInt16BE(2) & 0xf, reading.kind === 'signed' ? reading.signed.rdata.error : undefined];
    };
    const captured = query(now - 5);
    expect(await rcodeAndError(captured)).toEqual([0, 0]);
    expect(await rcodeAndError(query(now))).toEqual([0, 0]);
    expect(await rcodeAndError(captured)).toEqual([9 /* NOTAUTH */, 18 /* BADTIME */]);
  });
});
