/**
 * The change feed and the live watch against a real registry process: register, rotate and revoke
 * with the CLI; each is an event of the log with an inclusion proof that checks; a watching curl
 * and a watching SDK client see the revocation as it happens (the SDK drops its cached answer
 * without resolving); and `/v1/changes` pages through 10,000 events while writes go on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SignpostClient } from '../../src/client/signpost-client.js';
import { RegistryClient } from '../../src/client/registry-client.js';
import type { WatchedChange } from '../../src/client/change-watch.js';
import { checkInclusion, checkTreeHead, type InclusionProof } from '../../src/core/log/transparency-log.js';
import { createRegistration } from '../../src/core/record/registration.js';
import { randomBytes } from 'node:crypto';
import { signingKeyFromSeed } from '../../src/core/trust/ed25519.js';
import { registerWithCli, registryFixture, runCli } from './support.js';

const fixture = registryFixture('watch');
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) child.kill('SIGKILL');
});

/** Wait for something already under way; no wall-clock bound (vitest's own limit ends a hang). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** `curl -N`: a plain third-party client of the stream. */
function curlWatch(url: string) {
  const child = spawn('curl', ['-sS', '-N', url], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const changes = () =>
    text
      .split('\n\n')
      .filter((frame) => frame.includes('event: change'))
      .map((frame) => ({ id: Number(/^id: (\d+)$/m.exec(frame)![1]), event: JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as Record<string, unknown> }));
  return { child, text: () => text, changes };
}

describe('the live watch of a real registry', () => {
  it('register, rotate, revoke: each is a logged event with a checked inclusion proof; curl and the SDK watch see the revocation', async () => {
    const { server, env, work } = fixture;
    const name = 'agent://acme.com/watch/invoices';
    const curl = curlWatch(`${server.url}/v1/watch?since=0`);
    await until(() => curl.text().includes('event: open'));

    await registerWithCli(env, name, join(work, 'first.jwk'));
    // The SDK watches, with the name resolved and cached.
    const registryKey = ((await (await fetch(`${server.url}/v1/registry`)).json()) as { id: string }).id;
    const client = new SignpostClient({ registry: server.url, registryKey });
    const seen: WatchedChange[] = [];
    const watch = client.watch({ onChange: (change) => seen.push(change) });
    try {
      await until(() => watch.live);
      expect((await client.resolve(name)).verified).toBe(true);
      expect(await client.resolve(name)).toMatchObject({ verified: true, watched: true });

      expect((await runCli(['keygen', '--out', join(work, 'second.jwk')], env)).code).toBe(0);
      const rotated = await runCli(['rotate', name, '--key', join(work, 'first.jwk'), '--new-key', join(work, 'second.jwk')], env);
      expect(rotated.code, rotated.stderr).toBe(0);
      await until(() => seen.length === 1);
      expect(seen[0]!.event).toMatchObject({ kind: 'key-rotated', name });
      // The rotation dropped the cached answer: the next resolve asks, and verifies the new key.
      const afterRotation = await client.resolve(name);
      expect(afterRotation).toMatchObject({ verified: true, revalidated: false });
      expect(afterRotation.watched).toBeUndefined();

      const revoked = await runCli(['revoke', name, '--key', join(work, 'second.jwk'), '--reason', 'key stolen'], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      // Without any resolve, the watching client hears of it.
      await until(() => seen.length === 2);
      expect(seen[1]!.event).toMatchObject({ kind: 'status-changed', name, state: 'revoked' });
      await until(() => curl.changes().length === 3);
      expect(curl.changes().map(({ id, event }) => [id, event.kind])).toEqual([
        [0, 'registered'],
        [1, 'key-rotated'],
        [2, 'status-changed'],
      ]);
      expect((await client.resolve(name)).verified).toBe(false);

      // Each event is in the log the registry signs: its inclusion proof checks against the head.
      const head = checkTreeHead(await (await fetch(`${server.url}/v1/log/head`)).json(), registryKey);
      if (!head.ok) throw new Error(JSON.stringify(head.problems));
      expect(head.value.size).toBe(3);
      for (const { id, event } of curl.changes()) {
        const proof = (await (await fetch(`${server.url}/v1/log/proof/inclusion?index=${id}&size=3`)).json()) as InclusionProof;
        expect(JSON.parse(proof.entry)).toEqual(event);
        expect(checkInclusion(proof.entry, proof, head.value)).toEqual({ ok: true, value: true });
      }
    } finally {
      await client.unwatch();
    }
  });

  it('/v1/changes pages through 10,000 events while writes go on: every index once, in order, each as the log holds it', async () => {
    const { server } = fixture;
    const registry = new RegistryClient(server.url);
    const start = ((await (await fetch(`${server.url}/v1/log/head`)).json()) as { payload: { size: number } }).payload.size;
    const total = 10_000;
    // Writers: registrations signed here, sent four at a time.
    let sent = 0;
    const writer = async () => {
      const key = signingKeyFromSeed(randomBytes(32));
      while (sent < total) {
        const i = sent++;
        const registration = createRegistration({
          key,
          name: `agent://acme.com/feed/a${i}`,
          claims: { label: `A${i}`, description: 'One of many', endpoints: { static: [{ url: `https://agents.example/a${i}`, protocol: 'a2a' }] } },
          factsUrl: 'https://agents.example/facts',
          seq: 1,
          nowMs: Date.now(),
        });
        const answer = await registry.register(registration);
        if (!answer.ok) throw new Error(JSON.stringify(answer.problems));
      }
    };
    const writing = Promise.all([writer(), writer(), writer(), writer()]);
    // The reader pages from where the log was, concurrently.
    const indices: number[] = [];
    let cursor = start;
    let writesDone = false;
    void writing.then(() => (writesDone = true));
    for (;;) {
      const page = (await (await fetch(`${server.url}/v1/changes?since=${cursor}&limit=250`)).json()) as { changes: { index: number; event: { index: number } }[]; next: number; size: number };
      for (const change of page.changes) {
        expect(change.event.index).toBe(change.index);
        indices.push(change.index);
      }
      cursor = page.next;
      if (writesDone && page.next === page.size && page.size === start + total) break;
      if (page.changes.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await writing;
    expect(indices.length).toBe(total);
    expect(indices).toEqual(Array.from({ length: total }, (_, i) => start + i));
  });
});
