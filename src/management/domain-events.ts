// GET /cluster/domain-events: cluster events as Server-Sent Events, framed as Pekko does
// (`data:<json>\nevent:<Type>\n\n`), with the current state replayed first, a heartbeat after
// 10 s of silence, and the stream cut when a slow reader lets 128 events pile up.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { systemScheduler, type Cancellable, type Scheduler } from '../clock.js';
import type { ClusterApi } from '../cluster/api.js';
import { stringifyWithBigInt } from '../json.js';
import { domainEventJson, selectEventTypes } from './cluster-json.js';

export interface DomainEventsOptions {
  readonly heartbeatMs?: number;
  readonly bufferSize?: number;
  readonly scheduler?: Scheduler;
}

/** Open streams, so the server can end them on stop. */
export type OpenStreams = Set<ServerResponse>;

export function domainEventsHandler(cluster: ClusterApi, streams: OpenStreams, options: DomainEventsOptions = {}) {
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const bufferSize = options.bufferSize ?? 128;
  const scheduler = options.scheduler ?? systemScheduler;

  return (request: FastifyRequest, reply: FastifyReply): void => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const selected = selectEventTypes(query.getAll('type'));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    streams.add(res);

    let backlog = 0;
    let heartbeat: Cancellable | undefined;
    let unsubscribe: (() => void) | undefined;
    const armHeartbeat = () => {
      heartbeat?.cancel();
      heartbeat = scheduler.schedule(heartbeatMs, () => send('data:\n\n'));
    };
    const stop = () => {
      heartbeat?.cancel();
      unsubscribe?.();
      streams.delete(res);
    };
    const send = (frame: string) => {
      if (res.destroyed || res.writableEnded) return;
      // Frames written while the socket is backed up stay in memory; past the buffer size
      // the reader is too slow and the stream fails, as Pekko's overflow strategy does.
      if (res.writableNeedDrain && ++backlog > bufferSize) {
        stop();
        res.destroy();
        return;
      }
      res.write(frame);
      armHeartbeat();
    };
    res.on('drain', () => {
      backlog = 0;
    });
    res.on('close', stop);
    armHeartbeat();
    if (selected.size === 0) return;
    unsubscribe = cluster.subscribe(
      (event) => {
        if (!selected.has(event.type)) return;
        const json = domainEventJson(event);
        if (json) send(`data:${stringifyWithBigInt(json)}\nevent:${event.type}\n\n`);
      },
      { initialStateAsEvents: true },
    );
    if (res.destroyed) unsubscribe();
  };
}
