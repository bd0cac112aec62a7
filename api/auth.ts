/** Bearer-token check for the routes that change something (start, stop, schedules). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** `token` null: the explicit local dev mode, no check (refused unless bound to 127.0.0.1). */
export function bearerAuth(token: string | null) {
  const expected = token === null ? null : digest(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (expected === null) return;
    // Auth schemes are case-insensitive, followed by one or more spaces (RFC 7235).
    const match = /^bearer +(.+)$/i.exec(request.headers.authorization ?? '');
    // Compare digests: equal lengths, constant time, whatever was sent.
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 401, 'unauthorized', 'this route needs Authorization: Bearer <AIFB_API_TOKEN>');
    }
  };
}
