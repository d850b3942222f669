// Heap bytes a synchronous piece of code allocates per call, measured so that garbage collection
// (whose timing belongs to V8 and to whatever else shares the process, never to the code under
// test) can neither flake the test nor hide an allocation. The work runs in many short slices
// with the heap read around each; the heap only grows between collections, so a slice during
// which no collection ran (perf_hooks' 'gc' entries say when each ran) shows every byte it
// allocated, and a slice that overlaps a collection is left out. The cost of reading the heap
// itself is measured the same way around empty slices and taken off. The figure is the MEDIAN
// slice's growth: an allocation the code makes grows every slice alike, while V8's own work that
// lands in a slice now and then (optimised code or feedback installed late when the machine is
// loaded and its compiler threads starved) grows only that slice.

import { performance, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface AllocationMeasure {
  /** Bytes per call of the median slice no collection touched, less the cost of reading the heap. */
  bytesPerCall: number;
  /** Slices measured (no collection during them) and run. */
  cleanSlices: number;
  slices: number;
  /** Calls in the measured slices. */
  calls: number;
}

let gc: (() => void) | undefined;

/** A full collection now (V8's gc(), reached without starting the process with --expose-gc). */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** JS heap plus array buffers after full collections; array buffers are freed by a background
 * thread after a collection, so it waits for that before reading. */
export async function settledHeap(part: 'all' | 'arrayBuffers' = 'all'): Promise<number> {
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((r) => setTimeout(r, 30));
  }
  const m = process.memoryUsage();
  return part === 'arrayBuffers' ? m.arrayBuffers : m.heapUsed + m.arrayBuffers;
}

/**
 * Runs `slice` (which makes `callsPerSlice` calls of the code under test) `slices` times after a
 * full collection, and returns what the slices untouched by any collection allocated per call.
 */
export async function allocationPerCall(slice: () => void, slices: number, callsPerSlice: number): Promise<AllocationMeasure> {
  const measure = async (work: () => void) => {
    const windows = new Float64Array(slices * 2);
    const grown = new Float64Array(slices);
    const pauses: { start: number; end: number }[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
    });
    collectGarbage();
    observer.observe({ entryTypes: ['gc'] });
    for (let s = 0; s < slices; s++) {
      windows[2 * s] = performance.now();
      const before = process.memoryUsage().heapUsed;
      work();
      grown[s] = process.memoryUsage().heapUsed - before;
      windows[2 * s + 1] = performance.now();
    }
    // The observer hears of collections asynchronously: let it catch up before reading.
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const e of observer.takeRecords()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
    observer.disconnect();
    const clean: number[] = [];
    for (let s = 0; s < slices; s++) {
      const t0 = windows[2 * s]!, t1 = windows[2 * s + 1]!;
      if (pauses.some((p) => p.start <= t1 && p.end >= t0)) continue;
      clean.push(grown[s]!);
    }
    clean.sort((a, b) => a - b);
    return { clean: clean.length, median: clean.length > 0 ? clean[clean.length >> 1]! : Number.NaN };
  };
  const empty = await measure(() => undefined);
  const real = await measure(slice);
  const overhead = empty.clean > 0 ? empty.median : 0;
  const calls = real.clean * callsPerSlice;
  return { bytesPerCall: real.clean > 0 ? (real.median - overhead) / callsPerSlice : Number.NaN, cleanSlices: real.clean, slices, calls };
}
