/**
 * Every command that talks to a registry pins its key on first contact and refuses a registry whose
 * key changed, before it sends anything: real processes, a registry replaced by another one (new
 * data directory, so a new key) on the same address.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signpostProgram } from '../../src/cli/main.js';
import { removeDir, runCli, SEED, startServer, tempDir, type RunningServer } from './support.js';

const NAME = 'agent://acme.com/billing/invoices';

let work: string;
let original: RunningServer;
let originalKey: string;
const file = (name: string) => join(work, name);

/** One run of every command that talks to a registry, with inputs good enough to get that far. */
const cases: Record<string, () => string[]> = {
  register: () => ['register', '--key', file('agent.jwk'), '--name', NAME, '--endpoint', 'a2a=https://agents.acme.com/a2a'],
  resolve: () => ['resolve', NAME],
  search: () => ['search', 'invoices'],
  deregister: () => ['deregister', NAME, '--key', file('agent.jwk')],
  rotate: () => ['rotate', NAME, '--key', file('agent.jwk'), '--new-key', file('next.jwk')],
  revoke: () => ['revoke', NAME, '--key', file('agent.jwk'), '--reason', 'key leaked'],
  grant: () => ['grant', NAME, '--key', file('agent.jwk'), '--capability', 'invoice.send'],
  // The grant of a malformed key is refused before the registry would look the proof up (no traffic off loopback).
  'namespace claim': () => ['namespace', 'claim', 'acme.com', '--key', file('agent.jwk'), '--grant', 'billing=did:key:not-a-key'],
  'namespace show': () => ['namespace', 'show', 'acme.com'],
  deploy: () => ['deploy', NAME, '--key', file('agent.jwk'), '--file', file('instances.json')],
  'cert issue': () => ['cert', 'issue', '--key', file('agent.jwk'), '--name', NAME, '--out', file('cert.pem'), '--tls-key-out', file(`tls-key-${Math.random()}.pem`)],
  'certification add': () => ['certification', 'add', NAME, file('certification.json')],
  'certification list': () => ['certification', 'list', NAME],
  'certification issue': () => ['certification', 'issue', '--key', file('auditor.jwk'), '--name', NAME, '--certification', 'HIPAA'],
  'disclose request': () => ['disclose', 'request', NAME, '--key', file('agent.jwk'), '--out', file('credential.json')],
  'disclose verify': () => ['disclose', 'verify', file('certification.json'), '--capability', 'invoice.send'],
  'import mcp': () => ['import', 'mcp', file('mcp-servers.json'), '--keys', file('imported')],
  'import a2a': () => ['import', 'a2a', file('agent-card.json'), '--namespace', 'acme.com', '--keys', file('imported')],
  'log verify': () => ['log', 'verify'],
};

/** The commands that take --registry, by path (`cert issue`). */
function registryCommands(command: Command, prefix = ''): string[] {
  return command.commands.flatMap((sub) => {
    const path = `${prefix}${sub.name()}`;
    const own = sub.options.some((option) => option.long === '--registry') ? [path] : [];
    return [...own, ...registryCommands(sub, `${path} `)];
  });
}

const env = (home: string, server: RunningServer) => ({ SIGNPOST_HOME: file(home), SIGNPOST_REGISTRY: server.url });
const pinsIn = async (home: string) => JSON.parse(await readFile(file(join(home, 'known-registries.json')), 'utf8')) as Record<string, string>;

beforeAll(async () => {
  work = await tempDir('pinning');
  original = await startServer();
  originalKey = ((await (await fetch(`${original.url}/v1/registry`)).json()) as { id: string }).id;
  for (const key of ['agent.jwk', 'next.jwk', 'auditor.jwk']) expect((await runCli(['keygen', '--out', file(key)])).code).toBe(0);
  const seed = JSON.parse(await readFile(SEED, 'utf8')) as unknown[];
  await writeFile(file('mcp-servers.json'), JSON.stringify(seed.slice(0, 2)));
  await writeFile(file('instances.json'), JSON.stringify([{ id: 'us-east-1', url: 'https://us.acme.com/a2a', protocol: 'a2a' }]));
  await writeFile(file('agent-card.json'), JSON.stringify({ name: 'Travel Planner', description: 'Plans trips', version: '1.0.0', url: 'https://travel.acme.com/a2a', skills: [] }));
  const register = await runCli(cases.register!(), env('home', original));
  expect(register.code, register.stderr).toBe(0);
  const issued = await runCli(['certification', 'issue', '--key', file('auditor.jwk'), '--name', NAME, '--certification', 'HIPAA', '--out', file('certification.json')], env('home', original));
  expect(issued.code, issued.stderr).toBe(0);
});

afterAll(async () => {
  await original?.stop();
  if (original) await removeDir(original.dataDir);
  if (work) await removeDir(work);
});

describe('registry key pinning, for every command that talks to a registry', () => {
  it('this file runs every command that takes --registry', () => {
    expect(registryCommands(signpostProgram()).sort()).toEqual(Object.keys(cases).sort());
  });

  it.each(Object.keys(cases))('%s pins the registry key on first contact', async (command) => {
    const home = `first-contact-${command.replace(' ', '-')}`;
    await runCli(cases[command]!(), env(home, original));
    expect(await pinsIn(home)).toEqual({ [original.url]: originalKey });
  });

  describe('after the registry at that address was replaced by another one, with another key', () => {
    let impostor: RunningServer;
    beforeAll(async () => {
      const { port } = new URL(original.url);
      await original.stop();
      impostor = await startServer(undefined, ['--port', port]);
      expect(impostor.url).toBe(original.url);
    });
    afterAll(async () => {
      await impostor?.stop();
      if (impostor) await removeDir(impostor.dataDir);
    });

    it.each(Object.keys(cases))('%s refuses with REGISTRY_KEY_CHANGED, exit 1', async (command) => {
      const result = await runCli(cases[command]!(), env('home', impostor));
      expect(result.stderr).toMatch(new RegExp(`^error REGISTRY_KEY_CHANGED: ${impostor.url} now presents did:key:\\w+; .*known-registries.json pins ${originalKey}\\.`));
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.code).toBe(1);
    });

    it('nothing was written to the other registry', async () => {
      expect(await (await fetch(`${impostor.url}/healthz`)).json()).toEqual({ status: 'ok', agents: 0 });
      expect((await fetch(`${impostor.url}/v1/agents/${encodeURIComponent(NAME)}`)).status).toBe(404);
      expect(await pinsIn('home')).toEqual({ [original.url]: originalKey });
    });
  });
});
