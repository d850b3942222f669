// Requests the rollback core hands back instead of calling the game (GGRS's GgrsRequest): save
// the state as frame f, load frame f, advance one frame with these inputs. A RequestList is a
// reused pool, so producing requests allocates nothing per frame.

export const REQ_SAVE = 1;
export const REQ_LOAD = 2;
export const REQ_ADVANCE = 3;
export type RequestKind = typeof REQ_SAVE | typeof REQ_LOAD | typeof REQ_ADVANCE;

export interface Request {
  kind: RequestKind;
  /** SAVE / LOAD: the frame saved or loaded. ADVANCE: the frame whose inputs are applied. */
  frame: number;
  /** ADVANCE: byte address of the frame's input records in the staging region. */
  inputsPtr: number;
  /** ADVANCE: byte offset of those records in the staging view. */
  inputsOffset: number;
  /**
   * ADVANCE: a player whose record still needs its claim resolved (the local player's first
   * simulation of that input), or -1.
   */
  resolvePlayer: number;
}

export class RequestList {
  private readonly pool: Request[] = [];
  count = 0;

  get(i: number): Request {
    return this.pool[i]!;
  }

  clear(): void {
    this.count = 0;
  }

  push(kind: RequestKind, frame: number, inputsPtr = 0, inputsOffset = 0, resolvePlayer = -1): void {
    let r = this.pool[this.count];
    if (!r) {
      r = { kind, frame, inputsPtr, inputsOffset, resolvePlayer };
      this.pool.push(r);
    } else {
      r.kind = kind;
      r.frame = frame;
      r.inputsPtr = inputsPtr;
      r.inputsOffset = inputsOffset;
      r.resolvePlayer = resolvePlayer;
    }
    this.count++;
  }

  /** Kinds and frames as text, e.g. "load 5, advance 5, save 6": for tests and logs. */
  describe(): string {
    const names = { [REQ_SAVE]: 'save', [REQ_LOAD]: 'load', [REQ_ADVANCE]: 'advance' } as const;
    const parts: string[] = [];
    for (let i = 0; i < this.count; i++) parts.push(`${names[this.pool[i]!.kind]} ${this.pool[i]!.frame}`);
    return parts.join(', ');
  }
}
