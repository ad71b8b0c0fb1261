/**
 * The built-in embedding when no embedding endpoint is given: hashed TF-IDF of word
 * unigrams and bigrams into a fixed number of dimensions, L2-normalised. It sees shared
 * wording, not meaning, which is enough to show how spread out the questions are.
 */
import { fnv1a32 } from "../util/hash.js";

export const LEXICAL_DIMS = 256;

function features(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out: string[] = [...words];
  for (let i = 1; i < words.length; i++) out.push(`${words[i - 1]} ${words[i]}`);
  return out;
}

export function lexicalEmbed(texts: string[], dims = LEXICAL_DIMS): Float32Array[] {
  // Each feature hashes once: the bucket from the low bits, a sign from the top bit so
  // that collisions cancel on average instead of piling up.
  const hashed = texts.map((t) => {
    const tf = new Map<number, number>();
    for (const f of features(t)) {
      const h = fnv1a32(f);
      tf.set(h, (tf.get(h) ?? 0) + 1);
    }
    return tf;
  });
  const df = new Float64Array(dims);
  for (const tf of hashed) {
    const buckets = new Set<number>();
    for (const h of tf.keys()) buckets.add(h % dims);
    for (const b of buckets) df[b]++;
  }
  const n = texts.length;
  return hashed.map((tf) => {
    const v = new Float32Array(dims);
    for (const [h, count] of tf) {
      const b = h % dims;
      const sign = h & 0x80000000 ? -1 : 1;
      v[b] += sign * (1 + Math.log(count)) * (Math.log((1 + n) / (1 + df[b])) + 1);
    }
    return normalise(v);
  });
}

export function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const norm = Math.sqrt(s);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}
