/**
 * List page tokens. Temporal's are opaque bytes, and a garbage one is not refused quickly: the
 * dev server answers UNKNOWN, which the client retries for ~20 s before a 500. So the tokens we
 * hand out carry a short check (4 bytes of SHA-256 over Temporal's bytes) and anything else is
 * refused at once: a token is valid only if it is one of ours. (Integrity against typos and
 * garbage, not a secret: a forged token still reaches Temporal, which the caller bounds.)
 */
import { createHash } from 'node:crypto';
import { ControlError } from './types';

const CHECK_BYTES = 4;
const BASE64URL_RE = /^[A-Za-z0-9_-]+$/;

const checkOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest().subarray(0, CHECK_BYTES);

/** Temporal's next-page bytes as the `nextPageToken` people pass back; null when there is no next page. */
export function encodePageToken(bytes: Uint8Array | null | undefined): string | null {
  if (!bytes || bytes.length === 0) return null;
  return Buffer.concat([checkOf(bytes), bytes]).toString('base64url');
}

/** The bytes Temporal gave out for this token; a ControlError('invalid-input') for anything else. */
export function decodePageToken(token: string): Buffer {
  const refuse = (why: string) =>
    new ControlError(
      'invalid-input',
      `pageToken: ${why}; pass the nextPageToken of the previous page as it is`,
      [{ path: 'querystring.pageToken', message: why }],
    );
  if (!BASE64URL_RE.test(token)) throw refuse('not base64url text');
  const raw = Buffer.from(token, 'base64url');
  // Canonical encoding only, so one token has one spelling.
  if (raw.toString('base64url') !== token) throw refuse('not base64url text');
  if (raw.length <= CHECK_BYTES) throw refuse('too short to be a page token');
  const bytes = raw.subarray(CHECK_BYTES);
  if (!checkOf(bytes).equals(raw.subarray(0, CHECK_BYTES)))
    throw refuse('not a page token this API gave out');
  return bytes;
}
