/** Part files: rotation, write-through of large buffers, and restore to a committed position. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PartWriter } from "../src/pipeline/part-writer.js";
import { tempDir } from "./support/pipeline-harness.js";

const lines = (dir: string) =>
  readdirSync(dir)
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
    .map((l) => JSON.parse(l).n as number);

test("rotates parts at maxRecords; restore truncates to a committed position and deletes later parts", () => {
  const dir = tempDir();
  const w = new PartWriter(dir, "main", 3);
  for (let n = 0; n < 5; n++) w.add({ n });
  w.flush();
  const committed = w.position();
  assert.deepEqual(committed, { part: 1, bytes: committed.bytes, records: 2 });
  for (let n = 5; n < 9; n++) w.add({ n });
  w.flush();
  assert.equal(readdirSync(dir).length, 3);
  w.close();
  // A crash after the second flush but before its checkpoint: the next session restores.
  const again = new PartWriter(dir, "main", 3);
  again.restore(committed);
  assert.deepEqual(lines(dir), [0, 1, 2, 3, 4]);
  again.add({ n: 5 });
  again.flush();
  assert.deepEqual(lines(dir), [0, 1, 2, 3, 4, 5]);
  again.close();
});

test("a large buffer is written before the commit, and a restore still removes it", () => {
  const dir = tempDir();
  const w = new PartWriter(dir, "main", 1000);
  w.add({ n: 0 });
  w.flush();
  const committed = w.position();
  const big = "x".repeat(1 << 20);
  for (let n = 1; n <= 6; n++) w.add({ n, big });
  assert.ok(w.buffered < 6, "records written through without a commit");
  assert.ok(lines(dir).length > 1, "the file holds them already");
  assert.equal(w.position().records > committed.records, true);
  w.close();
  const again = new PartWriter(dir, "main", 1000);
  again.restore(committed);
  assert.deepEqual(lines(dir), [0]);
  again.close();
});
