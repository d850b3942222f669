// The stats panel: a definition list whose rows are updated in place a few times a second.

export type Tone = 'ok' | 'bad' | 'wait' | undefined;

export class Overlay {
  private readonly rows = new Map<string, HTMLElement>();

  constructor(private readonly list: HTMLElement) {}

  set(label: string, value: string, tone?: Tone): void {
    let dd = this.rows.get(label);
    if (!dd) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      dd = document.createElement('dd');
      dd.dataset.stat = label;
      this.list.append(dt, dd);
      this.rows.set(label, dd);
    }
    if (dd.textContent !== value) dd.textContent = value;
    dd.className = tone ?? '';
  }
}

export function formatBytesPerSecond(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1024 * 1024) return `${(bytesPerSecond / 1024 / 1024).toFixed(2)} MiB/s`;
  if (bytesPerSecond >= 1024) return `${(bytesPerSecond / 1024).toFixed(1)} KiB/s`;
  return `${Math.round(bytesPerSecond)} B/s`;
}
