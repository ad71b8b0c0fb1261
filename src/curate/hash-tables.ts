/**
 * Compact open-addressing hash tables over typed arrays, for millions of keys without a
 * JS object per key: ~12 bytes per slot for 64-bit keys, ~8 bytes per slot for the
 * 32-bit multimap. Values are non-negative integers (indexes into other tables).
 */
import { fmix32 } from "./hash64.js";

const MAX_LOAD = 0.6;

function capacityFor(expected: number): number {
  let cap = 1024;
  while (cap * MAX_LOAD < expected) cap *= 2;
  return cap;
}

/** 64-bit key (two u32 halves) → u32 value; the first value stored for a key wins. */
export class Hash64Map {
  private hi: Uint32Array;
  private lo: Uint32Array;
  /** value + 1; 0 marks an empty slot. */
  private vals: Uint32Array;
  private mask: number;
  size = 0;

  constructor(expected = 0) {
    const cap = capacityFor(expected);
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.vals = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  private slot(hi: number, lo: number): number {
    return fmix32(lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
  }

  /** The slot holding the key, or the empty slot where it would go (linear probing). */
  private find(hi: number, lo: number): number {
    const { vals, mask } = this;
    let i = this.slot(hi, lo);
    while (vals[i] !== 0 && !(this.hi[i] === hi && this.lo[i] === lo)) i = (i + 1) & mask;
    return i;
  }

  /** The value stored for the key, or -1. */
  get(hi: number, lo: number): number {
    return this.vals[this.find(hi, lo)] - 1;
  }

  /** Stores the value unless the key is present; returns the value now stored. */
  setIfAbsent(hi: number, lo: number, value: number): number {
    this.reserve();
    const i = this.find(hi, lo);
    if (this.vals[i] !== 0) return this.vals[i] - 1;
    this.insertAt(i, hi, lo, value);
    return value;
  }

  /** Overwrites (or inserts) the value for the key. */
  put(hi: number, lo: number, value: number): void {
    this.reserve();
    const i = this.find(hi, lo);
    if (this.vals[i] === 0) this.insertAt(i, hi, lo, value);
    else this.vals[i] = value + 1;
  }

  private insertAt(i: number, hi: number, lo: number, value: number): void {
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.vals[i] = value + 1;
    this.size++;
  }

  /** Room for one more key within the load factor. */
  private reserve(): void {
    if (this.size + 1 > this.vals.length * MAX_LOAD) this.rehash(this.vals.length * 2);
  }

  private rehash(cap: number): void {
    const { hi, lo, vals } = this;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.vals = new Uint32Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < vals.length; i++) if (vals[i] !== 0) this.setIfAbsent(hi[i], lo[i], vals[i] - 1);
  }

  get bytes(): number {
    return this.vals.length * 12;
  }
}

/** 32-bit key → many u32 values (LSH buckets). Keys are assumed well mixed already. */
export class MultiMap32 {
  private keys: Uint32Array;
  private vals: Uint32Array;
  private mask: number;
  size = 0;

  constructor(expected = 0) {
    const cap = capacityFor(expected);
    this.keys = new Uint32Array(cap);
    this.vals = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  add(key: number, value: number): void {
    if ((this.size + 1) > this.vals.length * MAX_LOAD) this.rehash(this.vals.length * 2);
    const { vals, mask } = this;
    let i = (key ^ (key >>> 16)) & mask;
    while (vals[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = key;
    vals[i] = value + 1;
    this.size++;
  }

  /** Calls `fn` with every value stored under `key`; stops early when `fn` returns true. */
  forEach(key: number, fn: (value: number) => boolean | void): void {
    const { keys, vals, mask } = this;
    let i = (key ^ (key >>> 16)) & mask;
    for (;;) {
      const v = vals[i];
      if (v === 0) return;
      if (keys[i] === key && fn(v - 1) === true) return;
      i = (i + 1) & mask;
    }
  }

  private rehash(cap: number): void {
    const { keys, vals } = this;
    this.keys = new Uint32Array(cap);
    this.vals = new Uint32Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < vals.length; i++) if (vals[i] !== 0) this.add(keys[i], vals[i] - 1);
  }

  get bytes(): number {
    return this.vals.length * 8;
  }
}
