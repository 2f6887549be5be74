import { base58, base64urlnopad } from '@scure/base';

/** base64url without padding (RFC 4648 section 5), the encoding of every signature we emit. */
export function toBase64Url(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Strict decode: undefined for anything that is not canonical unpadded base64url. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  try {
    return base64urlnopad.decode(text);
  } catch {
    return undefined;
  }
}

export function toBase58(bytes: Uint8Array): string {
  return base58.encode(bytes);
}

export function fromBase58(text: string): Uint8Array | undefined {
  try {
    return base58.decode(text);
  } catch {
    return undefined;
  }
}
