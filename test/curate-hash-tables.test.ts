import { test } from "node:test";
import assert from "node:assert/strict";
import { Hash64Map, MultiMap32 } from "../src/curate/hash-tables.js";

test("MultiMap32 returns every value of a key in insertion order, through growth, with crowded and colliding keys", () => {
  const m = new MultiMap32();
  const expected = new Map<number, number[]>();
  // Key 7 is crowded (a template bucket); keys 7 + k·2^20 collide in the low bits with it.
  for (let v = 0; v < 50_000; v++) {
    const key = v % 3 === 0 ? 7 : v % 3 === 1 ? (7 + (v % 40) * 2 ** 20) >>> 0 : (Math.imul(v, 0x9e3779b1) >>> 0);
    m.add(key, v);
    if (!expected.has(key)) expected.set(key, []);
    expected.get(key)!.push(v);
  }
  assert.equal(m.size, 50_000);
  for (const [key, values] of expected) {
    const seen: number[] = [];
    m.forEach(key, (v) => void seen.push(v));
    assert.deepEqual(seen, values, `key ${key}`);
  }
  const none: number[] = [];
  m.forEach(123456789, (v) => void none.push(v));
  assert.deepEqual(none, []);
});

test("MultiMap32.forEach stops when the callback returns true", () => {
  const m = new MultiMap32();
  for (let v = 0; v < 10; v++) m.add(42, v);
  const seen: number[] = [];
  m.forEach(42, (v) => (seen.push(v), v === 3));
  assert.deepEqual(seen, [0, 1, 2, 3]);
});

test("Hash64Map keeps the first value per key through growth; put overwrites", () => {
  const m = new Hash64Map();
  for (let i = 0; i < 20_000; i++) assert.equal(m.setIfAbsent(i >>> 3, i & 7, i), i);
  assert.equal(m.setIfAbsent(0, 1, 99), 1);
  m.put(0, 1, 99);
  assert.equal(m.get(0, 1), 99);
  assert.equal(m.get(19_999 >>> 3, 19_999 & 7), 19_999);
  assert.equal(m.get(999_999, 0), -1);
  assert.equal(m.size, 20_000);
});
