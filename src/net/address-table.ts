// Finds the connection a packet belongs to without building a key string per packet:
// datagram peers by host then port (two Map lookups on values the transport already has),
// connection-oriented peers by their link object.

export class AddressTable<T> {
  private readonly byHost = new Map<string, Map<number, T>>();
  private readonly byLink = new Map<object, T>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(host: string, port: number, link: object | null): T | undefined {
    if (link !== null) return this.byLink.get(link);
    return this.byHost.get(host)?.get(port);
  }

  set(host: string, port: number, link: object | null, value: T): void {
    if (link !== null) {
      if (!this.byLink.has(link)) this.count++;
      this.byLink.set(link, value);
      return;
    }
    let ports = this.byHost.get(host);
    if (!ports) {
      ports = new Map();
      this.byHost.set(host, ports);
    }
    if (!ports.has(port)) this.count++;
    ports.set(port, value);
  }

  delete(host: string, port: number, link: object | null): void {
    if (link !== null) {
      if (this.byLink.delete(link)) this.count--;
      return;
    }
    const ports = this.byHost.get(host);
    if (!ports || !ports.delete(port)) return;
    this.count--;
    if (ports.size === 0) this.byHost.delete(host);
  }

  clear(): void {
    this.byHost.clear();
    this.byLink.clear();
    this.count = 0;
  }
}
