// Keyboard and mouse of the demo page, turned into the game's input: WASD (or the arrow keys)
// move, the mouse aims, the left button fires projectiles, the right button or Space shoots
// hitscan (lag-compensated). Held buttons keep firing; the game's cooldown sets the rate.
// F toggles the camera between following your avatar and free panning; G the spatial layer; H
// hides the stats panel.
// Keys pressed while typing in a form field are ignored; focus loss releases everything.

const MOVE_KEYS: Record<string, [number, number]> = {
  KeyW: [0, 1],
  KeyS: [0, -1],
  KeyA: [-1, 0],
  KeyD: [1, 0],
  ArrowUp: [0, 1],
  ArrowDown: [0, -1],
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
};

export interface ControlsHandlers {
  /** F: follow / free camera. */
  toggleFollow?(): void;
  /** G: spatial layer. */
  toggleSpatial?(): void;
  /** H: hide or show the stats panel. */
  togglePanel?(): void;
  /** I: interest layer (AoI rings, entities coloured by zone). */
  toggleInterest?(): void;
}

export class Controls {
  /** Mouse position in CSS pixels relative to the canvas. */
  mouseX = 0;
  mouseY = 0;
  /** Whether the mouse has moved over the canvas yet (until then, aim where the avatar faces). */
  hasMouse = false;
  fireHeld = false;
  shootHeld = false;
  /** Movement keys changed at this time (performance.now()), for the page's responsiveness probe. */
  lastMoveChangeMs = 0;
  private readonly held = new Set<string>();
  private spaceHeld = false;
  private rightHeld = false;

  constructor(canvas: HTMLCanvasElement, handlers: ControlsHandlers = {}) {
    const typing = (e: KeyboardEvent) => e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.ctrlKey || e.metaKey || e.altKey;
    window.addEventListener('keydown', (e) => {
      if (typing(e)) return;
      if (e.code in MOVE_KEYS) {
        if (!this.held.has(e.code)) this.lastMoveChangeMs = performance.now();
        this.held.add(e.code);
        e.preventDefault();
      } else if (e.code === 'Space') {
        this.spaceHeld = true;
        this.shootHeld = true;
        e.preventDefault();
      } else if (e.code === 'KeyF' && !e.repeat) handlers.toggleFollow?.();
      else if (e.code === 'KeyG' && !e.repeat) handlers.toggleSpatial?.();
      else if (e.code === 'KeyH' && !e.repeat) handlers.togglePanel?.();
      else if (e.code === 'KeyI' && !e.repeat) handlers.toggleInterest?.();
    });
    window.addEventListener('keyup', (e) => {
      if (e.code in MOVE_KEYS) {
        this.held.delete(e.code);
        this.lastMoveChangeMs = performance.now();
      } else if (e.code === 'Space') {
        this.spaceHeld = false;
        this.shootHeld = this.rightHeld;
      }
    });
    window.addEventListener('blur', () => this.releaseAll());
    canvas.addEventListener('pointermove', (e) => this.track(canvas, e));
    canvas.addEventListener('pointerdown', (e) => {
      this.track(canvas, e);
      if (e.button === 2) {
        this.rightHeld = true;
        this.shootHeld = true;
      }
    });
    window.addEventListener('pointerup', (e) => {
      if (e.button === 0) this.fireHeld = false;
      if (e.button === 2) {
        this.rightHeld = false;
        this.shootHeld = this.spaceHeld;
      }
    });
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  /** The map view decides whether a left press fires or starts a pan (free camera). */
  pressFire(): void {
    this.fireHeld = true;
  }

  /** Move vector in [-1, 1] per axis (+y is north, up the screen). */
  get moveX(): number {
    let x = 0;
    for (const code of this.held) x += MOVE_KEYS[code]![0];
    return Math.max(-1, Math.min(1, x));
  }

  get moveY(): number {
    let y = 0;
    for (const code of this.held) y += MOVE_KEYS[code]![1];
    return Math.max(-1, Math.min(1, y));
  }

  private track(canvas: HTMLCanvasElement, e: PointerEvent): void {
    const rect = canvas.getBoundingClientRect();
    this.mouseX = e.clientX - rect.left;
    this.mouseY = e.clientY - rect.top;
    this.hasMouse = true;
  }

  private releaseAll(): void {
    this.held.clear();
    this.fireHeld = false;
    this.shootHeld = false;
    this.spaceHeld = false;
    this.rightHeld = false;
  }
}
