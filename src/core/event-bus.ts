// A typed, synchronous event bus. Subsystems announce facts (entity created, client joined,
// tick done) without importing each other. `emit` allocates nothing; listeners added or removed
// while an event is being delivered take effect from the next emit.

export type Listener<P> = (payload: P) => void;

export class EventBus<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Listener<never>[]>();
  private delivered = 0;

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    const list = (this.listeners.get(type) ?? []) as Listener<Events[K]>[];
    this.listeners.set(type, [...list, listener] as Listener<never>[]);
    return () => this.off(type, listener);
  }

  once<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(type, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    const list = this.listeners.get(type);
    if (!list) return;
    const next = list.filter((l) => l !== listener);
    if (next.length === 0) this.listeners.delete(type);
    else this.listeners.set(type, next);
  }

  /**
   * Calls every listener of `type` in subscription order. A throwing listener does not stop the
   * others; after all ran, the first error is rethrown (an AggregateError if several threw).
   */
  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    const list = this.listeners.get(type) as Listener<Events[K]>[] | undefined;
    if (!list) return;
    let errors: unknown[] | undefined;
    for (const listener of list) {
      try {
        listener(payload);
      } catch (err) {
        (errors ??= []).push(err);
      }
    }
    this.delivered += list.length;
    if (errors) throw errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} listeners of "${String(type)}" threw`);
  }

  listenerCount(type: keyof Events): number {
    return this.listeners.get(type)?.length ?? 0;
  }

  /** Listener calls made so far (a counter for metrics). */
  get deliveries(): number {
    return this.delivered;
  }
}
