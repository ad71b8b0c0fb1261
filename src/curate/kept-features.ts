/**
 * What near-duplicate verification needs of every kept pair, in memory: its question's
 * content-word hashes (16-bit, sorted, at most FEATURE_SLOTS; the top bit marks a name), its
 * answer key and its numbers key. An LSH candidate is then verified without a disk read, by
 * the same rule as featureSimilarity (src/quality/similarity.ts). 105 bytes per kept pair.
 */
import { MAX_NAME_CHANGES } from "../quality/similarity.js";
import { FEATURE_SLOTS } from "./kept-store.js";

/** In a feature hash: this feature is a name. */
export const NAME_BIT = 0x80000000;
const NAME_BIT16 = 0x8000;
/** In a stored count: the question had case (its names mean something). */
const CASE_KNOWN = 0x80;

export class KeptFeatures {
  private counts = new Uint8Array(1024);
  private hashes = new Uint16Array(1024 * FEATURE_SLOTS);
  private answers = new Uint32Array(1024);
  private numbers = new Uint32Array(1024);

  /** Stores pair `index`: `sorted16` holds its `count` 16-bit feature hashes, sorted. */
  set(index: number, sorted16: Uint16Array, count: number, caseKnown: boolean, answerKey: number, numbersKey: number): void {
    if (index >= this.counts.length) this.grow(index + 1);
    const n = Math.min(count, FEATURE_SLOTS);
    this.counts[index] = n | (caseKnown ? CASE_KNOWN : 0);
    this.hashes.set(sorted16.subarray(0, n), index * FEATURE_SLOTS);
    this.answers[index] = answerKey;
    this.numbers[index] = numbersKey;
  }

  answerKey(index: number): number {
    return this.answers[index];
  }

  numbersKey(index: number): number {
    return this.numbers[index];
  }

  /** Jaccard of pair `index`'s features and `sorted16[0, n)` (a sorted multiset merge); 0 when names differ by more than MAX_NAME_CHANGES. */
  similarity(index: number, sorted16: Uint16Array, n: number, caseKnown: boolean): number {
    const c = this.counts[index];
    const m = c & ~CASE_KNOWN;
    if (n === 0 && m === 0) return 1;
    const base = index * FEATURE_SLOTS;
    let i = 0;
    let j = 0;
    let shared = 0;
    let names = 0;
    while (i < n && j < m) {
      const a = sorted16[i];
      const b = this.hashes[base + j];
      if (a === b) {
        shared++;
        i++;
        j++;
      } else if (a < b) {
        if (a & NAME_BIT16) names++;
        i++;
      } else {
        if (b & NAME_BIT16) names++;
        j++;
      }
    }
    for (; i < n; i++) if (sorted16[i] & NAME_BIT16) names++;
    for (; j < m; j++) if (this.hashes[base + j] & NAME_BIT16) names++;
    if (caseKnown && (c & CASE_KNOWN) !== 0 && names > MAX_NAME_CHANGES) return 0;
    return shared / (n + m - shared);
  }

  private grow(min: number): void {
    const size = Math.max(min, this.counts.length * 2);
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array>(a: T, per: number, make: (n: number) => T): T => {
      const next = make(size * per);
      next.set(a);
      return next;
    };
    this.counts = grow(this.counts, 1, (n) => new Uint8Array(n));
    this.hashes = grow(this.hashes, FEATURE_SLOTS, (n) => new Uint16Array(n));
    this.answers = grow(this.answers, 1, (n) => new Uint32Array(n));
    this.numbers = grow(this.numbers, 1, (n) => new Uint32Array(n));
  }

  get bytes(): number {
    return this.counts.byteLength + this.hashes.byteLength + this.answers.byteLength + this.numbers.byteLength;
  }
}

/** The 16-bit form of 32-bit feature hashes (their high halves), sorted, into `out`. */
export function toSorted16(hashes: Uint32Array, n: number, out: Uint16Array): void {
  for (let i = 0; i < n; i++) out[i] = hashes[i] >>> 16;
  out.subarray(0, n).sort();
}
