import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hostPattern, keysForHost, verifyHostKey } from './known-hosts';

// Any bytes stand in for key blobs: verification compares them exactly.
const keyA = Buffer.from('ssh-ed25519 key A blob');
const keyB = Buffer.from('ssh-ed25519 key B blob');
const hashed = (name: string) => {
  const salt = Buffer.from('0123456789abcdefghij');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('known_hosts', () => {
  it('names non-22 ports in brackets', () => {
    expect(hostPattern('login.lxp.lu', 22)).toBe('login.lxp.lu');
    expect(hostPattern('login.lxp.lu', 8822)).toBe('[login.lxp.lu]:8822');
  });

  it('accepts the listed key: plain, comma list, hashed, wildcard', () => {
    for (const entry of [
      `[127.0.0.1]:2222 ssh-ed25519 ${keyA.toString('base64')}`,
      `other,[127.0.0.1]:2222 ssh-ed25519 ${keyA.toString('base64')}`,
      `${hashed('[127.0.0.1]:2222')} ssh-ed25519 ${keyA.toString('base64')}`,
      `[127.0.0.*]:2222 ssh-ed25519 ${keyA.toString('base64')}`,
    ]) {
      expect(verifyHostKey(`# comment\n${entry}\n`, 'kh', '127.0.0.1', 2222, keyA)).toEqual({ ok: true });
    }
  });

  it('refuses an unknown host, naming how to add it', () => {
    const verdict = verifyHostKey(
      `[127.0.0.1]:22 ssh-ed25519 ${keyA.toString('base64')}`,
      '/k',
      '127.0.0.1',
      2222,
      keyA,
    );
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(
      /\[127\.0\.0\.1\]:2222 is not in \/k: refusing.*ssh-keyscan -p 2222/,
    );
  });

  it('refuses a changed key, and a revoked one', () => {
    const changed = verifyHostKey(`[h]:2 ssh-ed25519 ${keyA.toString('base64')}`, '/k', 'h', 2, keyB);
    expect(!changed.ok && changed.reason).toMatch(/does not match \/k \(line 1\)/);
    const revoked = verifyHostKey(
      `@revoked [h]:2 ssh-ed25519 ${keyA.toString('base64')}`,
      '/k',
      'h',
      2,
      keyA,
    );
    expect(!revoked.ok && revoked.reason).toMatch(/@revoked/);
  });

  it('honours negated patterns', () => {
    expect(keysForHost(`*,!bad ssh-ed25519 ${keyA.toString('base64')}`, 'bad', 22)).toEqual([]);
    expect(keysForHost(`*,!bad ssh-ed25519 ${keyA.toString('base64')}`, 'good', 22)).toHaveLength(1);
  });

  it('is exercised with a real key blob too', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const blob = publicKey.export({ type: 'spki', format: 'der' });
    expect(verifyHostKey(`h ssh-ed25519 ${blob.toString('base64')}`, 'kh', 'h', 22, blob)).toEqual({
      ok: true,
    });
  });
});
