import type * as Y from 'yjs';
import { agreementText, readAgreement } from '@menteo/room-doc';

/**
 * The sha256 (hex) of the agreement's text as this browser shows it, which is what a member
 * accepts (the server answers 409 if its own copy's hash differs). Null where WebCrypto is
 * missing (a page served over plain HTTP from a LAN address is not a secure context); the
 * caller then uses the hash the server last reported.
 */
export async function localAgreementHash(doc: Y.Doc): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const bytes = new TextEncoder().encode(agreementText(readAgreement(doc)));
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
