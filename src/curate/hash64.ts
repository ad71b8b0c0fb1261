/**
 * Hashing primitives for curation's hot path: a 32-bit finaliser, 64-bit string hashes
 * (two independent 32-bit halves) and a word tokenizer that hashes words as it scans, so
 * n-grams and shingles are hashed without building strings.
 */

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a short string (content words): FNV-1a, then the finaliser. */
export function hashString32(text: string): number {
  let a = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) a = Math.imul(a ^ text.charCodeAt(i), 0x01000193);
  return fmix32(a ^ text.length);
}

/** A 64-bit hash of a string as two 32-bit halves (ids, doc ids). */
export function hashString64(text: string, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  out[0] = fmix32(a ^ text.length);
  out[1] = fmix32(b + Math.imul(text.length, 0x9e3779b1));
}
