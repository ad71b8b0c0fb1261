/**
 * MinHash signatures over shingles of a feature sequence (the question's content words,
 * src/quality/similarity.ts), and LSH banding. The hash family is
 * multiply-add modulo 2^32 on a well-mixed shingle hash: the minimum is decided by the high
 * bits, which multiply-shift hashing makes near-universal, at two operations per value.
 */
import { fmix32 } from "./hash64.js";

export interface LshBands {
  bands: number;
  rows: number;
}

/**
 * The (bands, rows) with bands·rows ≤ numPerm that minimise the weighted false-positive
 * plus false-negative probability mass around `threshold` (the usual LSH tuning, integrated
 * numerically). False negatives weigh more (`fnWeight`) because a false candidate costs only
 * a signature comparison, while a missed near-duplicate stays in the data.
 */
export function optimalBands(threshold: number, numPerm: number, fnWeight = 0.9): LshBands {
  const integrate = (f: (s: number) => number, a: number, b: number) => {
    const steps = 200;
    const h = (b - a) / steps;
    let sum = 0;
    for (let i = 0; i < steps; i++) sum += f(a + (i + 0.5) * h) * h;
    return sum;
  };
  let best: LshBands = { bands: 1, rows: numPerm };
  let bestErr = Infinity;
  for (let bands = 1; bands <= numPerm; bands++) {
    for (let rows = 1; bands * rows <= numPerm; rows++) {
      const p = (s: number) => 1 - (1 - s ** rows) ** bands;
      const err = (1 - fnWeight) * integrate(p, 0, threshold) + fnWeight * integrate((s) => 1 - p(s), threshold, 1);
      if (err < bestErr) {
        bestErr = err;
        best = { bands, rows };
      }
    }
  }
  return best;
}

/** Deterministic odd multipliers and offsets for the permutation family, from a seed. */
export function permutations(numPerm: number, seed: number): { a: Uint32Array; b: Uint32Array } {
  const a = new Uint32Array(numPerm);
  const b = new Uint32Array(numPerm);
  let s = seed >>> 0;
  const next = () => (s = fmix32((s + 0x9e3779b9) >>> 0));
  for (let i = 0; i < numPerm; i++) {
    a[i] = (next() | 1) >>> 0;
    b[i] = next();
  }
  return { a, b };
}

export class MinHasher {
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;

  constructor(readonly numPerm: number, readonly shingle: number, seed: number) {
    ({ a: this.a, b: this.b } = permutations(numPerm, seed));
  }

  /**
   * Signature of features [0, len) (32-bit hashes) into `sig`: every run of `shingle`
   * features is one shingle; fewer features than that make one shingle. Returns false for
   * an empty sequence (no signature).
   */
  signature(features: Uint32Array, len: number, sig: Uint32Array): boolean {
    if (len === 0) return false;
    const { a, b, numPerm } = this;
    sig.fill(0xffffffff);
    const k = Math.min(this.shingle, len);
    for (let i = 0; i + k <= len; i++) {
      let g = features[i];
      for (let j = 1; j < k; j++) g = Math.imul(g ^ (g >>> 15), 0x2c1b3c6d) + features[i + j];
      const x = fmix32(g);
      for (let p = 0; p < numPerm; p++) {
        const v = (Math.imul(x, a[p]) + b[p]) >>> 0;
        if (v < sig[p]) sig[p] = v;
      }
    }
    return true;
  }

}

/**
 * One 32-bit key per band, written at out[at…]; the band number and `salt` are mixed in, so
 * one table holds every band of every family, and only records with the same salt (e.g. the
 * same answer and numbers) can meet.
 */
export function bandKeys(sig: Uint32Array, lsh: LshBands, salt: number, out: Uint32Array, at = 0): void {
  const { bands, rows } = lsh;
  for (let j = 0; j < bands; j++) {
    let h = fmix32(Math.imul(j + 1, 0x9e3779b1) ^ salt);
    const start = j * rows;
    for (let r = 0; r < rows; r++) h = fmix32(h ^ sig[start + r]);
    out[at + j] = h;
  }
}
