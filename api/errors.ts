/** One error shape for every route: `{ error, message, issues? }`, with the status it implies. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ControlError } from '../control/types';
import { CONTROL_ERRORS, type ControlErrorCode } from '../core/failures';
import { RecipeFileError } from '../core/node/recipe-file';
import { PathEscapeError } from '../core/node/safe-path';

export function sendError(
  reply: FastifyReply,
  status: number,
  error: ControlErrorCode,
  message: string,
  issues?: { path: string; message: string }[],
) {
  return reply.code(status).send({ error, message, ...(issues ? { issues } : {}) });
}

export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof ControlError) {
    return sendError(
      reply,
      CONTROL_ERRORS[err.kind].httpStatus,
      err.kind,
      err.message,
      err.issues.length ? err.issues : undefined,
    );
  }
  if (err instanceof RecipeFileError) return sendError(reply, 400, 'invalid-input', err.message, err.issues);
  // An id or name that would resolve outside its folder (core/safe-path.ts) is the caller's input.
  if (err instanceof PathEscapeError) return sendError(reply, 400, 'invalid-input', err.message);
  if (hasZodFastifySchemaValidationErrors(err)) {
    // e.g. querystring.pageSize: a path people can find in what they sent
    const where = (err as { validationContext?: string }).validationContext ?? 'request';
    const issues = err.validation.map((v) => ({
      path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'invalid',
    }));
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return sendError(reply, 400, 'invalid-input', `invalid request: ${summary}`, issues);
  }
  if (isResponseSerializationError(err)) {
    request.log.error({ issues: err.cause.issues }, 'response does not match its schema');
    return sendError(reply, 500, 'internal', `response does not match its schema: ${err.cause.message}`);
  }
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return sendError(reply, status, status === 401 ? 'unauthorized' : 'invalid-input', err.message);
  }
  request.log.error(err);
  return sendError(reply, 500, 'internal', err.message);
}
