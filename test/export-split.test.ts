import { test } from "node:test";
import assert from "node:assert/strict";
import { allocateQuotas, parseTestSize, splitHash, SplitPlanner, testCount } from "../src/export/split.js";

test("--test-size: fractions below 1, whole counts from 1, clear errors otherwise", () => {
  assert.deepEqual(parseTestSize("0.01"), { kind: "fraction", fraction: 0.01 });
  assert.deepEqual(parseTestSize("0"), { kind: "fraction", fraction: 0 });
  assert.deepEqual(parseTestSize("500"), { kind: "count", count: 500 });
  assert.throws(() => parseTestSize("1.5"), /whole number/);
  assert.throws(() => parseTestSize("-1"), /--test-size/);
  assert.throws(() => parseTestSize("ten"), /--test-size/);
  assert.equal(testCount({ kind: "fraction", fraction: 0.01 }, 1234), 12);
  assert.equal(testCount({ kind: "count", count: 5000 }, 1234), 1234, "a count is capped at the number of pairs");
});

test("quotas: largest remainder, summing to K, each within one pair of the exact share", () => {
  const counts = new Map([["A", 700], ["B", 200], ["C", 95], ["D", 5]]);
  const q = allocateQuotas(counts, 33);
  assert.equal([...q.values()].reduce((a, b) => a + b, 0), 33);
  for (const [d, n] of counts) {
    const exact = (33 * n) / 1000;
    assert.ok(Math.abs(q.get(d)! - exact) < 1, `${d}: ${q.get(d)} vs ${exact}`);
  }
  assert.deepEqual([...allocateQuotas(new Map([["x", 3], ["y", 3]]), 1)], [["x", 1], ["y", 0]], "ties: name order");
});

test("the hash is a uniform-looking number in [0, 1) that depends on seed and id", () => {
  const a = splitHash(42, "abc");
  assert.ok(a >= 0 && a < 1);
  assert.equal(a, splitHash(42, "abc"));
  assert.notEqual(a, splitHash(43, "abc"));
  let below = 0;
  for (let i = 0; i < 10_000; i++) if (splitHash(7, `id-${i}`) < 0.5) below++;
  assert.ok(below > 4700 && below < 5300, `${below} of 10000 below 0.5`);
});

function plan(ids: [string, string][], seed: number, size = parseTestSize("0.1")) {
  const p = new SplitPlanner(seed);
  for (const [domain, id] of ids) p.add(domain, id);
  const { isTest } = p.plan(size);
  return new Set(ids.filter((_, i) => isTest[i]).map(([, id]) => id));
}

test("split: deterministic per seed, independent of input order, stratified by domain", () => {
  const ids: [string, string][] = [];
  const domains = ["Math", "Coding", "Medicine & Health", "Other"];
  for (let i = 0; i < 3000; i++) ids.push([domains[i % 7 < 4 ? i % 7 : 3], `pair-${i}`]);
  const a = plan(ids, 42);
  assert.equal(a.size, 300);
  assert.deepEqual(plan(ids, 42), a, "same seed, same test ids");
  assert.deepEqual(plan([...ids].reverse(), 42), a, "part order does not matter");
  const b = plan(ids, 7);
  assert.notDeepEqual(b, a, "another seed, another test set");
  const domainOf = new Map(ids.map(([d, id]) => [id, d]));
  for (const d of domains) {
    const n = ids.filter(([x]) => x === d).length;
    const inTest = [...a].filter((id) => domainOf.get(id) === d).length;
    assert.ok(Math.abs(inTest - n * 0.1) < 1, `${d}: ${inTest} in test of ${n}`);
  }
});
