import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DocumentIndex } from "../src/export/doc-index.js";
import type { RecordParseError } from "../src/io/run-dir.js";

const doc = (doc_id: string, text: string) => JSON.stringify({ doc_id, text, source: { file: "in.jsonl", line: 1 } });

test("document index: byte-exact offsets across multi-byte text, CRLF, huge lines and several parts", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "wsrl-docindex-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const huge = "Größe 数学 🚀 ".repeat(200_000); // ~3 MB: spans several 1 MiB read chunks
  const a = join(dir, "part-00000.jsonl");
  const b = join(dir, "part-00001.jsonl");
  writeFileSync(a, [doc("d1", "naïve café — résumé"), "{not json", doc("d2", huge), doc("d1", "a later duplicate"), JSON.stringify({ doc_id: 5 })].join("\r\n") + "\r\n");
  writeFileSync(b, ["", doc("d3", "emoji 😀 at the end"), doc("d4", "last line without newline")].join("\n"));

  const bad: RecordParseError[] = [];
  const idx = await DocumentIndex.build([a, b], (e) => bad.push(e));
  t.after(() => idx.close());
  assert.equal(idx.count, 5);
  assert.deepEqual(bad.map((e) => `${e.file.endsWith("part-00000.jsonl")}:${e.line}`), ["true:2", "true:5"], "malformed lines counted with their location");
  assert.equal(idx.get("d1"), "naïve café — résumé", "the first copy of a duplicated doc_id wins");
  assert.equal(idx.get("d2"), huge);
  assert.equal(idx.get("d3"), "emoji 😀 at the end");
  assert.equal(idx.get("d4"), "last line without newline");
  assert.equal(idx.get("missing"), undefined);
});
