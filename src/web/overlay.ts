// The stats panel: a definition list whose rows (grouped under section headings) are updated in
// place a few times a second.

export type Tone = 'ok' | 'bad' | 'wait' | undefined;

export class Overlay {
  private readonly rows = new Map<string, HTMLElement>();
  private readonly sections = new Set<string>();

  constructor(private readonly list: HTMLElement) {}

  /** A heading row; rows set after it (for the first time) follow it. */
  section(title: string): void {
    if (this.sections.has(title)) return;
    this.sections.add(title);
    const dt = document.createElement('dt');
    dt.className = 'section';
    dt.textContent = title;
    this.list.append(dt);
  }

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
