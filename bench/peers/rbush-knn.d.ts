// rbush-knn 4 ships no type declarations and there is no @types package: the one function the
// rbush peer calls (index.js), typed over the tree's item type.
declare module 'rbush-knn' {
  import type RBush from 'rbush';

  /** The `n` items nearest to (x, y) in 2D (all when n is 0), nearest first, optionally filtered and within `maxDistance`. */
  export default function knn<T>(tree: RBush<T>, x: number, y: number, n?: number, predicate?: (item: T) => boolean, maxDistance?: number): T[];
}
