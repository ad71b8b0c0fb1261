/**
 * Benchmark n-gram index. Every benchmark text contributes word n-grams (after
 * normalisation) as 64-bit hashes in a typed-array hash table that maps each to the item
 * it came from; a pair is contaminated when its question+answer word sequence contains
 * one of them.
 *
 * Short texts: a text of L < n words is indexed as its whole sequence (an L-gram), so it
 * matches only a pair that contains all of it, whatever its length: a benchmark question
 * that appears whole in a generated question or answer is contamination. Texts shorter than
 * NGRAM_FLOOR (8) words must stand whole inside the question or inside the answer (not
 * across the two). Whole texts under n words are looked up only where a pair's word starts
 * one of them, so they cost one set probe per word, not one probe per word and length.
 */
import { Hash64Map } from "./hash-tables.js";
import { WordHashes } from "./words.js";
import type { LoadedBenchmark } from "./benchmarks.js";

export const NGRAM_FLOOR = 8;

export interface ContaminationHit {
  benchmark: string;
  /** 0-based line (JSONL, blank lines skipped) or row (Parquet) index. */
  item: number;
  field: string;
  /** Length of the matching word n-gram. */
  ngram: number;
}

export interface BenchmarkIndexStats {
  file: string;
  fields: string[];
  items: number;
  bad_items: number;
  texts: number;
  ngrams: number;
  short_texts_whole_match: number;
  too_short_ignored: number;
}

export class NgramIndex {
  private readonly map = new Hash64Map(1 << 16);
  /** Per indexed text: benchmark number, field number, item index. */
  private bench: Uint16Array = new Uint16Array(1024);
  private field: Uint16Array = new Uint16Array(1024);
  private item: Uint32Array = new Uint32Array(1024);
  private textCount = 0;
  private readonly names: string[] = [];
  private readonly fieldNames: string[] = [];
  /** Gram lengths present in the index, longest first. */
  private lengths: number[] = [];
  private readonly lengthSet = new Set<number>();
  /** First-word hashes of the whole texts between the floor and n words. */
  private readonly wholeStarts = new Set<number>();
  /** Lengths of texts under the floor, and the first-word hashes that start one. */
  private shortLengths: number[] = [];
  private readonly shortLengthSet = new Set<number>();
  private readonly shortStarts = new Set<number>();
  readonly stats: BenchmarkIndexStats[] = [];
  private readonly words = new WordHashes();

  constructor(readonly n: number) {}

  get floor(): number {
    return Math.min(NGRAM_FLOOR, this.n);
  }

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.map.bytes + this.bench.length * 8;
  }

  add(b: LoadedBenchmark): void {
    const benchNo = this.names.push(b.name) - 1;
    const st: BenchmarkIndexStats = {
      file: b.name, fields: b.fields, items: b.items, bad_items: b.badItems, texts: b.texts.length,
      ngrams: 0, short_texts_whole_match: 0, too_short_ignored: 0,
    };
    const before = this.map.size;
    for (const t of b.texts) {
      const w = this.words.set(t.text);
      const L = w.length;
      if (L === 0) {
        st.too_short_ignored++;
        continue;
      }
      const k = Math.min(this.n, L);
      if (k < this.n) st.short_texts_whole_match++;
      if (L < this.floor) {
        this.shortLengthSet.add(L);
        this.shortStarts.add(w.w1[0]);
      } else {
        this.lengthSet.add(k);
        if (k < this.n) this.wholeStarts.add(w.w1[0]);
      }
      const textNo = this.pushText(benchNo, this.fieldNo(t.field), t.item);
      for (let i = 0; i + k <= L; i++) this.map.setIfAbsent(w.gram1(i, k), w.gram2(i, k), textNo);
    }
    st.ngrams = this.map.size - before;
    this.stats.push(st);
    this.lengths = [...this.lengthSet].sort((x, y) => y - x);
    this.shortLengths = [...this.shortLengthSet].sort((x, y) => y - x);
  }

  private fieldNo(name: string): number {
    const i = this.fieldNames.indexOf(name);
    return i >= 0 ? i : this.fieldNames.push(name) - 1;
  }

  private pushText(bench: number, field: number, item: number): number {
    if (this.textCount === this.item.length) {
      const grow = <T extends Uint16Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const next = make(a.length * 2);
        next.set(a);
        return next;
      };
      this.bench = grow(this.bench, (n) => new Uint16Array(n));
      this.field = grow(this.field, (n) => new Uint16Array(n));
      this.item = grow(this.item, (n) => new Uint32Array(n));
    }
    this.bench[this.textCount] = bench;
    this.field[this.textCount] = field;
    this.item[this.textCount] = item;
    return this.textCount++;
  }

  /**
   * The first benchmark n-gram found in the word sequence, or null. `split` is where the
   * question ends and the answer begins: texts under the floor must not straddle it.
   */
  find(w: WordHashes, split = w.length): ContaminationHit | null {
    const L = w.length;
    for (const k of this.lengths) {
      const whole = k < this.n;
      for (let i = 0; i + k <= L; i++) {
        if (whole && !this.wholeStarts.has(w.w1[i])) continue;
        const t = this.map.get(w.gram1(i, k), w.gram2(i, k));
        if (t >= 0) return this.hit(t, k);
      }
    }
    if (this.shortLengths.length === 0) return null;
    for (let i = 0; i < L; i++) {
      if (!this.shortStarts.has(w.w1[i])) continue;
      const end = i < split ? split : L;
      for (const k of this.shortLengths) {
        if (i + k > end) continue;
        const t = this.map.get(w.gram1(i, k), w.gram2(i, k));
        if (t >= 0) return this.hit(t, k);
      }
    }
    return null;
  }

  private hit(t: number, k: number): ContaminationHit {
    return { benchmark: this.names[this.bench[t]], item: this.item[t], field: this.fieldNames[this.field[t]], ngram: k };
  }
}
