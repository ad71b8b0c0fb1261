/**
 * Word hashing with the same word boundaries as `normalizeText` (src/util/normalize.ts):
 * NFKC, lowercase, every run of characters that are not letters or digits is a separator.
 * Each word becomes two independent 32-bit hashes; polynomial prefix hashes over them give
 * the hash of any word n-gram in O(1), so n-grams and shingles never become strings.
 */
import { fmix32 } from "./hash64.js";

const NON_ASCII = /[^\x00-\x7f]/;
const WORD_CHAR = /[\p{L}\p{N}]/u;
/** Polynomial bases (odd) for the two prefix hashes. */
const B1 = 0x01000193;
const B2 = 0x5bd1e995;
/** Longest n-gram or shingle the prefix hashes support. */
export const MAX_GRAM = 64;
const POW1 = new Uint32Array(MAX_GRAM + 1);
const POW2 = new Uint32Array(MAX_GRAM + 1);
POW1[0] = 1;
POW2[0] = 1;
for (let k = 1; k <= MAX_GRAM; k++) {
  POW1[k] = Math.imul(POW1[k - 1], B1);
  POW2[k] = Math.imul(POW2[k - 1], B2);
}

/** Reusable buffers of word hashes and their prefix hashes (grow on demand). */
export class WordHashes {
  w1 = new Uint32Array(256);
  w2 = new Uint32Array(256);
  /** p1[i] = polynomial hash of words [0, i). */
  p1 = new Uint32Array(257);
  p2 = new Uint32Array(257);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  private push(a: number, b: number): void {
    const n = this.length;
    if (n === this.w1.length) this.grow();
    this.w1[n] = a;
    this.w2[n] = b;
    this.p1[n + 1] = (Math.imul(this.p1[n], B1) + a) | 0;
    this.p2[n + 1] = (Math.imul(this.p2[n], B2) + b) | 0;
    this.length = n + 1;
  }

  private grow(): void {
    const size = this.w1.length * 2;
    for (const key of ["w1", "w2"] as const) {
      const next = new Uint32Array(size);
      next.set(this[key]);
      this[key] = next;
    }
    for (const key of ["p1", "p2"] as const) {
      const next = new Uint32Array(size + 1);
      next.set(this[key]);
      this[key] = next;
    }
  }

  /** Appends the words of `text` (so question and answer can share one sequence). */
  append(text: string): void {
    const s = NON_ASCII.test(text) ? text.normalize("NFKC").toLowerCase() : text;
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    let chars = 0;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      let word: boolean;
      if (c < 128) {
        if (c >= 65 && c <= 90) {
          c += 32;
          word = true;
        } else word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
      } else {
        const cp = s.codePointAt(i)!;
        word = WORD_CHAR.test(String.fromCodePoint(cp));
        if (cp > 0xffff) {
          i++; // the low surrogate belongs to this code point
          c = cp;
        }
      }
      if (word) {
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x2c1b3c6d);
        h2 ^= h2 >>> 15;
        chars++;
      } else if (chars > 0) {
        this.push(fmix32(h1 ^ chars), fmix32(h2 + chars));
        h1 = 0x811c9dc5;
        h2 = 0x9747b28c;
        chars = 0;
      }
    }
    if (chars > 0) this.push(fmix32(h1 ^ chars), fmix32(h2 + chars));
  }

  /** Replaces the content with the words of `text`. */
  set(text: string): this {
    this.length = 0;
    this.append(text);
    return this;
  }

  /** First half of the hash of words [i, i+k) (k ≤ MAX_GRAM). */
  gram1(i: number, k: number): number {
    return (this.p1[i + k] - Math.imul(this.p1[i], POW1[k])) >>> 0;
  }

  /** Second, independent half of the same hash. */
  gram2(i: number, k: number): number {
    return (this.p2[i + k] - Math.imul(this.p2[i], POW2[k])) >>> 0;
  }

  /** 64-bit hash of words [0, k) for any k (exact-duplicate key), with the length mixed in. */
  prefixHash(k: number, out: Uint32Array): void {
    out[0] = fmix32(this.p1[k] ^ Math.imul(k, 0x9e3779b1));
    out[1] = fmix32(this.p2[k] + k);
  }
}
