import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { MAX_CERTIFICATE_VALIDITY_SECONDS, MIN_CERTIFICATE_VALIDITY_SECONDS } from '../core/record/certificate-request.js';
import { CERT_VALIDITY_BOUNDS_TEXT } from './commands/cert.js';
import { durationSeconds } from '../app/duration.js';
import { signpostProgram } from './main.js';

const CLI_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Every command that runs something (`cert issue`, not `cert`), by its path. */
function runnableCommands(command: Command, prefix = ''): [string, Command][] {
  return command.commands.flatMap((sub) => {
    const path = `${prefix}${sub.name()}`;
    return sub.commands.length === 0 ? [[path, sub] as [string, Command]] : runnableCommands(sub, `${path} `);
  });
}

const flagsOf = (command: Command) => command.options.map((option) => option.long);

describe('the command table', () => {
  it('every command that talks to a registry takes --registry and --registry-key alike', () => {
    const talking = runnableCommands(signpostProgram()).filter(([, command]) => flagsOf(command).includes('--registry'));
    expect(talking.map(([path]) => path).sort()).toEqual(
      [
        'cert issue',
        'certification add',
        'certification issue',
        'certification list',
        'deploy',
        'deregister',
        'disclose request',
        'disclose verify',
        'grant',
        'import a2a',
        'import mcp',
        'log verify',
        'namespace claim',
        'namespace show',
        'register',
        'resolve',
        'revoke',
        'rotate',
        'search',
      ].sort(),
    );
    for (const [path, command] of talking) expect(flagsOf(command), path).toContain('--registry-key');
  });

  it('states the certificate validity bounds the registry enforces (the text is kept out of the light definitions)', () => {
    const [min, max] = CERT_VALIDITY_BOUNDS_TEXT.split(' .. ').map(durationSeconds);
    expect([min, max]).toEqual([MIN_CERTIFICATE_VALIDITY_SECONDS, MAX_CERTIFICATE_VALIDITY_SECONDS]);
  });
});

describe('one way to a registry', () => {
  it('only registry-connection.ts reads the registry URL or makes a RegistryClient: the others get both from connectToRegistry, which pins', async () => {
    const files = (await readdir(CLI_DIR, { recursive: true })).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
    const reaching: string[] = [];
    for (const file of files) {
      if (/new RegistryClient\(|callRegistry\(|flags\.registry\b|env\.SIGNPOST_REGISTRY/.test(await readFile(join(CLI_DIR, file), 'utf8'))) reaching.push(file);
    }
    expect(reaching).toEqual(['registry-connection.ts']);
  });
});
