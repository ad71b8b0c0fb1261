import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expandInputs, readSources } from "../src/io/sources/index.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const webDir = join(resolve(repoRoot, "../shared/data"), "corpora/web");

test("real Dolma web documents: URL ids and source.url", async (t) => {
  if (!existsSync(webDir)) {
    t.skip(`shared data not found at ${webDir}: real-corpus check skipped`);
    return;
  }
  const files = await expandInputs([join(webDir, "*.jsonl")]);
  const docs = [];
  for await (const item of readSources(files, { textField: "text", idField: "id" })) {
    assert.equal(item.kind, "doc", JSON.stringify(item).slice(0, 300));
    if (item.kind === "doc") docs.push(item.doc);
  }
  assert.equal(docs.length, 20);
  for (const d of docs) {
    assert.match(d.id, /^https?:\/\//);
    assert.equal(typeof d.source.url, "string");
    assert.ok(d.text.length > 0);
    assert.ok(d.source.line !== undefined && d.source.line >= 1);
  }
});
