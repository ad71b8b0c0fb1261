import { test } from "node:test";
import assert from "node:assert/strict";
import { splitLines } from "../src/io/sources/lines.js";

async function* chunksOf(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

async function lines(bytes: Uint8Array, cuts: number[]) {
  const out: [number, string][] = [];
  for await (const batch of splitLines(chunksOf(bytes, cuts))) for (const l of batch) out.push([l.line, l.text]);
  return out;
}

test("every split point of a multi-byte text gives the same lines", async () => {
  const text = "a😀b\r\nçé中\n\n€ end";
  const bytes = new TextEncoder().encode(text);
  const expected: [number, string][] = [
    [1, "a😀b"],
    [2, "çé中"],
    [3, ""],
    [4, "€ end"],
  ];
  for (let i = 0; i <= bytes.length; i++) {
    assert.deepEqual(await lines(bytes, [i]), expected, `cut at ${i}`);
    for (let j = i; j <= bytes.length; j++) assert.deepEqual(await lines(bytes, [i, j]), expected, `cuts at ${i},${j}`);
  }
});

test("a trailing newline does not add an empty line; a long line across many chunks is joined", async () => {
  const bytes = new TextEncoder().encode("x".repeat(1000) + "\nlast\n");
  const cuts = Array.from({ length: 99 }, (_, i) => (i + 1) * 10);
  assert.deepEqual(await lines(bytes, cuts), [
    [1, "x".repeat(1000)],
    [2, "last"],
  ]);
});
