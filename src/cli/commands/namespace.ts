import type { Command } from 'commander';
import { collect, SECRET_NAME_NOTE, withRegistryOptions } from './options.js';
import type { NamespaceClaimFlags, NamespaceShowFlags } from '../actions/namespace.js';

export function namespaceCommand(program: Command): void {
  const command = program.command('namespace').description('prove you own a namespace (the domain of agent://<namespace>/…) and grant agent keys names under it');
  command
    .command('owner-line')
    .description('print the line the domain publishes to name your key its owner: as TXT at _signpost-challenge.<namespace>, or in https://<namespace>/.well-known/signpost-challenge')
    .argument('<namespace>', 'the namespace, e.g. acme.com')
    .requiredOption('-k, --key <file>', `the owner key (an Ed25519 JWK from signpost keygen); ${SECRET_NAME_NOTE}`)
    .action(async (namespace: string, flags: { key: string }) => (await import('../actions/namespace.js')).ownerLine(namespace, flags));
  withRegistryOptions(
    command
      .command('claim')
      .description('claim the namespace, or restate its grants: the claim lists every grant, so one left out is withdrawn')
      .argument('<namespace>', 'the namespace, e.g. acme.com')
      .requiredOption('-k, --key <file>', `the owner key the domain publishes; ${SECRET_NAME_NOTE}`)
      .option('--proof <proof>', 'where the registry finds the owner line: dns-txt or https', 'dns-txt')
      .option('-g, --grant <subtree=did:key>', 'let an agent key register names under a subtree (billing, billing/eu; "" or * for the whole namespace); repeatable', collect, [])
      .option('--delegate <subtree=url=did>', 'serve a subtree from another registry: its URL and did:key (resolvers get a referral there); repeatable', collect, []),
  ).action(async (namespace: string, flags: NamespaceClaimFlags) => (await import('../actions/namespace.js')).claim(namespace, flags));
  withRegistryOptions(
    command
      .command('show')
      .description("the namespace's stored claim: its owner, the proof and the grants")
      .argument('<namespace>', 'the namespace, e.g. acme.com')
      .option('--json', 'print the stored claim as JSON'),
  ).action(async (namespace: string, flags: NamespaceShowFlags) => (await import('../actions/namespace.js')).show(namespace, flags));
}
