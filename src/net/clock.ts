// The endpoint's notion of "now", shared by reference with everything it drives. Endpoints set
// it once per received packet and per update; connections, rings, estimators and limiters read
// it instead of taking the time as an argument. V8 passes a non-integer number across a call
// that is not inlined as a freshly allocated box; a field of a shared object is written in
// place. That keeps the per-packet paths free of allocation.

export class NetClock {
  /** Monotonic milliseconds (performance.now or the simulator's time). */
  nowMs = 0;
}
