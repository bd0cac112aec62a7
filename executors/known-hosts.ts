/**
 * Host key verification against an OpenSSH known_hosts file: no blind trust. Supports plain
 * and hashed (`|1|salt|hash`) host patterns, `[host]:port` for non-22 ports, comma lists and
 * `@revoked` markers. Pure apart from the caller reading the file.
 */
import { createHmac } from 'node:crypto';

export interface KnownHostKey {
  line: number;
  keyType: string;
  /** Base64 of the public key blob, as in the file. */
  key: string;
  revoked: boolean;
}

/** How known_hosts names a host: bare for port 22, `[host]:port` otherwise. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = pattern.split('|');
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  // Wildcards in known_hosts: * and ?. Negations (!pattern) never grant a match.
  if (pattern.startsWith('!')) return false;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(name);
}

export function keysForHost(knownHosts: string, host: string, port: number): KnownHostKey[] {
  const name = hostPattern(host, port);
  const keys: KnownHostKey[] = [];
  knownHosts.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const revoked = fields[0] === '@revoked';
    if (fields[0]?.startsWith('@')) fields.shift();
    const [patterns = '', keyType = '', key = ''] = fields;
    const list = patterns.split(',');
    if (list.some((p) => p.startsWith('!') && patternMatches(p.slice(1), name))) return;
    if (list.some((p) => patternMatches(p, name))) keys.push({ line: i + 1, keyType, key, revoked });
  });
  return keys;
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: string };

/** Decides whether the key the server presented (raw blob) is the one known_hosts expects. */
export function verifyHostKey(
  knownHosts: string,
  knownHostsPath: string,
  host: string,
  port: number,
  presented: Buffer,
): HostKeyVerdict {
  const name = hostPattern(host, port);
  const presentedB64 = presented.toString('base64');
  const keys = keysForHost(knownHosts, host, port);
  const match = keys.find((k) => k.key === presentedB64);
  if (match?.revoked) {
    return {
      ok: false,
      reason: `the host key of ${name} is marked @revoked in ${knownHostsPath} (line ${match.line})`,
    };
  }
  if (match) return { ok: true };
  if (keys.length === 0) {
    return {
      ok: false,
      reason:
        `${name} is not in ${knownHostsPath}: refusing to connect to an unknown host. ` +
        `Check its fingerprint, then add it (e.g. ssh-keyscan -p ${port} ${host} >> ${knownHostsPath}).`,
    };
  }
  return {
    ok: false,
    reason:
      `the host key of ${name} does not match ${knownHostsPath} (line ${keys.map((k) => k.line).join(', ')}): ` +
      'it changed, or someone is in the middle. Refusing to connect.',
  };
}
