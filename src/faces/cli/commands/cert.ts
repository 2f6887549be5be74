import { webcrypto, X509Certificate } from 'node:crypto';
import { access, chmod, readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { RegistryClient } from '../../../client/registry-client.js';
import { SignpostError } from '../../../core/errors.js';
import { canonicalAgentName } from '../../../core/name/index.js';
import { createCertificateRequest, MAX_CERTIFICATE_VALIDITY_SECONDS, MIN_CERTIFICATE_VALIDITY_SECONDS } from '../../../core/record/certificate-request.js';
import { privateKeyToPem, readCapabilityCertificate, verifyCapabilityCertificate } from '../../../core/trust/certificates/index.js';
import { readKeyFile } from '../../../app/key-file.js';
import { EXIT, formatProblems, registryUrlOf, unwrap } from '../cli-context.js';
import { parseDuration } from '../duration.js';

interface IssueFlags {
  key: string;
  name: string;
  capability: string[];
  validity: string;
  out: string;
  tlsKeyOut: string;
  caOut?: string;
  registry?: string;
  json?: boolean;
}

export function certCommand(program: Command): void {
  const cert = program.command('cert').description('capability certificates from the registry CA (for mutual TLS between agents)');

  cert
    .command('issue')
    .description('make a fresh TLS key here (never sent), ask the registry for a short-lived certificate for it, signed by the agent key')
    .requiredOption('-k, --key <file>', 'the agent key (from signpost keygen) the name is bound to')
    .requiredOption('-n, --name <name>', 'agent name')
    .option('-c, --capability <token>', 'a capability the certificate should carry (repeatable; default: every granted one)', collect, [])
    .option('--validity <duration>', `how long the certificate is valid: 90s, 30m, 1h, 24h (${MIN_CERTIFICATE_VALIDITY_SECONDS}s .. 24h)`, '1h')
    .requiredOption('-o, --out <file>', 'where to write the certificate (PEM)')
    .requiredOption('--tls-key-out <file>', 'where to write the new TLS private key (PKCS #8 PEM, mode 0600; never overwritten)')
    .option('--ca-out <file>', 'where to write the registry CA certificate (PEM), the trust anchor for peers')
    .option('-r, --registry <url>', 'registry URL (default $SIGNPOST_REGISTRY or http://127.0.0.1:8700)')
    .option('--json', 'print the answer (without the PEMs) as JSON')
    .action(async (flags: IssueFlags) => {
      const validitySeconds = unwrap(parseDuration(flags.validity, '--validity', { min: MIN_CERTIFICATE_VALIDITY_SECONDS, max: MAX_CERTIFICATE_VALIDITY_SECONDS }));
      const key = await readKeyFile(flags.key);
      const name = unwrap(canonicalAgentName(flags.name));
      // Refuse before asking: a private key is never overwritten.
      if (await exists(flags.tlsKeyOut)) throw new SignpostError('KEY_FILE_EXISTS', `${flags.tlsKeyOut} already exists`);
      const tlsKeys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const csrPem = await createCsr(tlsKeys);
      const request = createCertificateRequest({
        key,
        name,
        csrPem,
        validitySeconds,
        ...(flags.capability.length > 0 ? { capabilities: flags.capability } : {}),
        nowMs: Date.now(),
      });
      const client = new RegistryClient(registryUrlOf(flags.registry));
      const issued = unwrap(await client.issueCertificate(request));

      // Check what came back before writing it: it chains to the CA given, names this agent, and is for our key.
      const check = await verifyCapabilityCertificate(issued.certificate, { caCertificatePem: issued.caCertificate, now: new Date(), expectedName: name });
      if (!check.verified) throw SignpostError.from(check.errors);
      const ourKey = Buffer.from(await webcrypto.subtle.exportKey('spki', tlsKeys.publicKey));
      const certifiedKey = new X509Certificate(issued.certificate).publicKey.export({ type: 'spki', format: 'der' });
      if (!ourKey.equals(certifiedKey)) throw new SignpostError('CERT_INVALID', 'the registry certified another key than the one this CSR was made for');

      await writeFile(flags.tlsKeyOut, await privateKeyToPem(tlsKeys.privateKey), { mode: 0o600, flag: 'wx' });
      await chmod(flags.tlsKeyOut, 0o600);
      await writeFile(flags.out, issued.certificate);
      if (flags.caOut !== undefined) await writeFile(flags.caOut, issued.caCertificate);
      if (flags.json) {
        const { certificate: _certificate, caCertificate: _ca, ...rest } = issued;
        process.stdout.write(JSON.stringify(rest, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        `issued a certificate for ${issued.agentName}\n` +
          `  capabilities: ${issued.capabilities.join(', ') || '(none: identity only)'}\n` +
          `  valid: ${issued.notBefore} .. ${issued.notAfter}\n` +
          `  serial: ${issued.serialNumber}\n` +
          `  certificate: ${flags.out}\n  TLS key: ${flags.tlsKeyOut} (made here, never sent)\n` +
          (flags.caOut === undefined ? '' : `  registry CA: ${flags.caOut}\n`),
      );
    });

  cert
    .command('show')
    .description('print what a capability certificate says: agent name, capabilities, validity (with --ca: also verify it)')
    .argument('<file>', 'certificate (PEM)')
    .option('--ca <file>', 'registry CA certificate (PEM) to verify against')
    .option('--json', 'print as JSON')
    .action(async (file: string, flags: { ca?: string; json?: boolean }) => {
      const pem = await readInput(file);
      const info = unwrap(readCapabilityCertificate(pem));
      const verification = flags.ca === undefined ? undefined : await verifyCapabilityCertificate(pem, { caCertificatePem: await readInput(flags.ca), now: new Date() });
      const now = Date.now();
      const state = now < info.notBefore.getTime() ? 'not yet valid' : now > info.notAfter.getTime() ? 'expired' : 'valid now';
      if (flags.json) {
        const out = { ...info, notBefore: info.notBefore.toISOString(), notAfter: info.notAfter.toISOString(), ...(verification ? { verified: verification.verified, errors: verification.errors } : {}) };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } else {
        process.stdout.write(
          `agent: ${info.agentName}\n` +
            `capabilities: ${info.capabilities.join(', ') || '(none)'}\n` +
            `valid: ${info.notBefore.toISOString()} .. ${info.notAfter.toISOString()} (${state})\n` +
            `serial: ${info.serialNumber}\nissuer: ${info.issuer}\nSHA-256: ${info.fingerprintSha256}\n` +
            (verification === undefined ? '' : verification.verified ? 'verified against the CA\n' : `NOT verified:\n${formatProblems(verification.errors)}\n`),
        );
      }
      if (verification !== undefined && !verification.verified) process.exitCode = EXIT.refused;
    });
}

/** A PKCS #10 request for the key, made with @peculiar/x509 (loaded only here: it needs reflect-metadata first). */
async function createCsr(keys: webcrypto.CryptoKeyPair): Promise<string> {
  await import('reflect-metadata');
  const { Pkcs10CertificateRequestGenerator } = await import('@peculiar/x509');
  // The subject is ignored by the registry, which names the certificate itself.
  const csr = await Pkcs10CertificateRequestGenerator.create(
    { name: 'CN=signpost agent', keys: keys as never, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } },
    webcrypto as never,
  );
  return csr.toString('pem');
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new SignpostError('REQUEST_INVALID', `cannot read ${file}: ${(error as Error).message}`);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
