/**
 * Real HTTPS servers on 127.0.0.1 for the adapters that fetch from the network (did:web documents,
 * status lists): a freshly made self-signed certificate, trusted by the code under test only
 * through its extra-CA option, and a handler that serves fixed routes and records every path asked.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export interface LoopbackTls {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A self-signed certificate for 127.0.0.1 (and localhost), made with @peculiar/x509. */
export async function selfSignedLoopbackCertificate(commonName: string): Promise<LoopbackTls> {
  x509.cryptoProvider.set(webcrypto as never);
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a1b2c',
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3_600_000),
    keys: keys as never,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: certificate.toString('pem'), keyPem };
}

/** Serve `routes` by exact path (404 otherwise), pushing every requested path onto `hits`. */
export function routedHandler(routes: ReadonlyMap<string, Handler>, hits: string[]): Handler {
  return (request, response) => {
    hits.push(request.url ?? '');
    const handler = routes.get(request.url ?? '');
    if (handler) return handler(request, response);
    response.writeHead(404).end();
  };
}
