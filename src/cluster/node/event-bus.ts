// Delivery of cluster domain events to subscribers (spec §8.1): in order, one queue for all
// listeners, so a listener that calls back into the node only appends and never re-enters.
import type { Logger } from '../../logging.js';
import type { ClusterEvent, ClusterEventListener } from '../api.js';

export class EventBus {
  private readonly listeners = new Set<ClusterEventListener>();
  private readonly queue: Array<{ listener: ClusterEventListener; event: ClusterEvent }> = [];
  private draining = false;

  constructor(private readonly logger: Logger) {}

  /** Adds a listener; `initial` events go to it alone, before anything published later. */
  add(listener: ClusterEventListener, initial: readonly ClusterEvent[] = []): () => void {
    for (const event of initial) this.queue.push({ listener, event });
    this.listeners.add(listener);
    this.drain();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Queues events for every current listener and delivers them. */
  publish(events: readonly ClusterEvent[]): void {
    for (const event of events) for (const listener of this.listeners) this.queue.push({ listener, event });
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        if (!this.listeners.has(item.listener)) continue;
        try {
          item.listener(item.event);
        } catch (e) {
          this.logger.error({ err: e, event: item.event.type }, 'cluster event listener failed');
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
