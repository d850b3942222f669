// Apportionment: hands out n items over categories in given shares so that every prefix of the
// sequence is as close to the shares as whole numbers allow (each step gives the next item to
// the category furthest below its share; ties to the earlier category). 20 bots over shares
// 25/30/20/15/10 % get exactly 5/6/4/3/2, and the first 7 of them 2/2/1/1/1.

/** The category (index into `shares`) of each of `n` items, in order. */
export function apportion(shares: readonly number[], n: number): number[] {
  const total = shares.reduce((a, b) => a + b, 0);
  const given = new Array<number>(shares.length).fill(0);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDeficit = -Infinity;
    for (let k = 0; k < shares.length; k++) {
      const deficit = ((i + 1) * shares[k]!) / total - given[k]!;
      if (deficit > bestDeficit + 1e-12) {
        bestDeficit = deficit;
        best = k;
      }
    }
    given[best]!++;
    out[i] = best;
  }
  return out;
}
