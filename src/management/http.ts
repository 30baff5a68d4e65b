// Response helpers and the fixed texts Pekko's HTTP layer answers with, so every route and
// every rejection produces the same status, content type and body as a Pekko node.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stringifyWithBigInt } from '../json.js';

export const TEXT_PLAIN = 'text/plain; charset=UTF-8';
export const APPLICATION_JSON = 'application/json';

export const TEXTS = {
  notFound: 'The requested resource could not be found.',
  internalError: 'There was an internal server error.',
  methodNotAllowedReadOnly: 'A request was made of a resource using a request method not supported by that resource;',
  missingCredentials: 'The resource requires authentication, which was not supplied with the request',
  invalidCredentials: 'The supplied authentication is invalid',
  unsupportedContentType:
    "The request's Content-Type is not supported. Expected:\napplication/x-www-form-urlencoded or multipart/form-data",
  badRequest: 'The request content was malformed.',
  tooLarge: 'The request content was too large.',
  methodNotAllowed: (methods: readonly string[]) => `HTTP method not allowed, supported methods: ${methods.join(', ')}`,
  missingFormField: (field: string) => `Request is missing required form field '${field}'`,
} as const;

export function sendText(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', TEXT_PLAIN).send(body);
}

/** Sends a JSON body written by our BigInt-aware writer (key order as built by the caller). */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  // A Buffer keeps fastify from appending a charset parameter that Pekko does not send.
  return reply.code(status).header('content-type', APPLICATION_JSON).send(Buffer.from(stringifyWithBigInt(body), 'utf8'));
}

export type MethodHandler = (request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * Methods a route can serve. HEAD is not one of them: Pekko HTTP runs with
 * transparent-head-requests = off, so a HEAD on a GET route is rejected with 405 like any other
 * method the route does not serve.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/**
 * Registers `url` for every method so a wrong method gets Pekko's 405 with an Allow header
 * instead of a 404. Route providers (bootstrap included) use this for their routes.
 */
export function methodRoute(
  app: FastifyInstance,
  url: string,
  handlers: Partial<Record<Method, MethodHandler>>,
  onOtherMethod?: MethodHandler,
): void {
  const allowed = Object.keys(handlers) as Method[];
  app.all(url, (request, reply) => {
    const method = request.method as Method;
    const handler = handlers[method];
    if (handler) return handler(request, reply);
    if (onOtherMethod) return onOtherMethod(request, reply);
    reply.header('allow', allowed.join(', '));
    return sendText(reply, 405, TEXTS.methodNotAllowed(allowed));
  });
}
