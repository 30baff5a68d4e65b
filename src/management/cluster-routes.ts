// Route provider `cluster-management`: Pekko's cluster HTTP API over a ClusterApi. In read-only
// mode (Pekko's default) only GETs exist and every other method under /cluster/members is a 405.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AddressParseError, formatAddress, parseAddress } from '../address.js';
import type { ClusterApi } from '../cluster/api.js';
import type { Logger } from '../logging.js';
import { clusterMembersJson, findMember, memberJson, messageJson } from './cluster-json.js';
import { domainEventsHandler, type DomainEventsOptions, type OpenStreams } from './domain-events.js';
import { FormError, UnsupportedFormType, parseFormFields } from './forms.js';
import { methodRoute, sendJson, sendText, TEXTS } from './http.js';

export interface ClusterRoutesOptions {
  readonly cluster: ClusterApi;
  readonly readOnly: boolean;
  readonly logger: Logger;
  readonly streams: OpenStreams;
  readonly domainEvents?: DomainEventsOptions;
  /** Members' app-version in the members JSON (a Muster extension, off by default). */
  readonly appVersion?: boolean;
}

const MEMBERS_PREFIX = '/cluster/members/';

/** The decoded rest of the path after /cluster/members/, or undefined when badly encoded. */
function memberPathParam(request: FastifyRequest): string | undefined {
  const path = request.url.split('?')[0]!;
  const i = path.indexOf(MEMBERS_PREFIX);
  if (i < 0) return '';
  try {
    return decodeURIComponent(path.slice(i + MEMBERS_PREFIX.length));
  } catch {
    return undefined;
  }
}

type Fields = Map<string, string>;

/** Form fields of the request, or undefined after answering 400/415 itself. */
function formFields(request: FastifyRequest, reply: FastifyReply): Fields | undefined {
  try {
    return parseFormFields(request.headers['content-type'], request.body as Buffer | undefined);
  } catch (e) {
    if (e instanceof UnsupportedFormType) sendText(reply, 415, TEXTS.unsupportedContentType);
    else if (e instanceof FormError) sendText(reply, 400, `${TEXTS.badRequest} ${e.message}`);
    else throw e;
    return undefined;
  }
}

function requiredField(fields: Fields, name: string, reply: FastifyReply): string | undefined {
  const v = fields.get(name);
  if (v === undefined) sendText(reply, 400, TEXTS.missingFormField(name));
  return v;
}

export function clusterRoutes(app: FastifyInstance, opts: ClusterRoutesOptions): void {
  const { cluster, readOnly, logger } = opts;
  const readOnlyReject = (_: FastifyRequest, reply: FastifyReply) => sendText(reply, 405, TEXTS.methodNotAllowedReadOnly);
  const notFound = (reply: FastifyReply, given: string) => sendJson(reply, 404, messageJson(`Member [${given}] not found`));

  const listMembers = (_: FastifyRequest, reply: FastifyReply) => sendJson(reply, 200, clusterMembersJson(cluster.state(), { appVersion: opts.appVersion === true }));

  const joinMember = (request: FastifyRequest, reply: FastifyReply) => {
    const fields = formFields(request, reply);
    if (!fields) return reply;
    const given = fields.get('address');
    // Pekko quirk: without an address the request falls through to the member route.
    if (given === undefined) return notFound(reply, '');
    let address;
    try {
      address = parseAddress(given);
    } catch (e) {
      if (!(e instanceof AddressParseError)) throw e;
      logger.info({ address: given }, 'Join request with an unparseable address');
      return sendText(reply, 500, TEXTS.internalError);
    }
    cluster.join(address);
    return sendJson(reply, 200, messageJson(`Joining ${formatAddress(address)}`));
  };

  const memberRoute = (request: FastifyRequest, reply: FastifyReply) => {
    const given = memberPathParam(request);
    if (given === undefined) return sendText(reply, 400, TEXTS.badRequest);
    if (request.method === 'HEAD') {
      // No transparent HEAD in Pekko: rejected by every method directive of the path.
      const allowed = readOnly ? ['GET'] : given === '' ? ['GET', 'POST'] : ['GET', 'PUT', 'DELETE'];
      reply.header('allow', allowed.join(', '));
      return sendText(reply, 405, TEXTS.methodNotAllowed(allowed));
    }
    if (given === '') {
      if (request.method === 'GET') return listMembers(request, reply);
      if (request.method === 'POST' && !readOnly) return joinMember(request, reply);
    }
    if (readOnly && request.method !== 'GET') return readOnlyReject(request, reply);
    const member = findMember(cluster.state(), given);
    if (!member) return notFound(reply, given);
    const addr = member.uniqueAddress.address;
    switch (request.method) {
      case 'GET':
        return sendJson(reply, 200, memberJson(member, { appVersion: opts.appVersion === true }));
      case 'DELETE':
        cluster.leave(addr);
        return sendJson(reply, 200, messageJson(`Leaving ${formatAddress(addr)}`));
      case 'PUT': {
        const fields = formFields(request, reply);
        if (!fields) return reply;
        const operation = requiredField(fields, 'operation', reply);
        if (operation === undefined) return reply;
        switch (operation.toLowerCase()) {
          case 'down':
            cluster.down(addr);
            return sendJson(reply, 200, messageJson(`Downing ${formatAddress(addr)}`));
          case 'leave':
            cluster.leave(addr);
            return sendJson(reply, 200, messageJson(`Leaving ${formatAddress(addr)}`));
          default:
            return sendJson(reply, 400, messageJson('Operation not supported'));
        }
      }
      default:
        reply.header('allow', 'GET, PUT, DELETE');
        return sendText(reply, 405, TEXTS.methodNotAllowed(['GET', 'PUT', 'DELETE']));
    }
  };

  if (readOnly) {
    methodRoute(app, '/cluster/members', { GET: listMembers }, readOnlyReject);
  } else {
    // Other methods fall through to the member route with an empty address, as in Pekko.
    methodRoute(app, '/cluster/members', { GET: listMembers, POST: joinMember }, memberRoute);
    methodRoute(app, '/cluster', { PUT: prepareForFullShutdown });
    methodRoute(app, '/cluster/', { PUT: prepareForFullShutdown });
    methodRoute(app, '/cluster/shards', { GET: (_, reply) => sendJson(reply, 200, { entityTypeKeys: [] }) });
  }
  app.all('/cluster/members/*', memberRoute);
  methodRoute(app, '/cluster/domain-events', { GET: domainEventsHandler(cluster, opts.streams, opts.domainEvents) });
  // Muster has no sharding, so no shard region is ever started.
  methodRoute(app, '/cluster/shards/:name', {
    GET: (request, reply) =>
      sendJson(reply, 404, messageJson(`Shard Region ${(request.params as { name: string }).name} is not started`)),
  });

  function prepareForFullShutdown(request: FastifyRequest, reply: FastifyReply) {
    const fields = formFields(request, reply);
    if (!fields) return reply;
    const operation = requiredField(fields, 'operation', reply);
    if (operation === undefined) return reply;
    if (operation.toLowerCase() !== 'prepare-for-full-shutdown') {
      return sendJson(reply, 400, messageJson('Operation not supported'));
    }
    cluster.prepareForFullClusterShutdown();
    return sendJson(reply, 200, messageJson('Preparing for full cluster shutdown'));
  }
}
