/** Document counting for `estimate`: line counts across chunk boundaries, WARC/WET records as the reader yields them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, countInput } from "../src/estimate/document-count.js";
import { readSources } from "../src/io/sources/index.js";
import { makeWarc, makeWet } from "./support/warc-fixtures.js";
import { zstdRawFrame } from "./support/write-zstd.js";
import { seededRandom } from "../src/util/random.js";
import { gzipSync } from "node:zlib";
import { tempDir } from "./support/pipeline-harness.js";

test("LineCounter counts non-blank lines whatever the chunk boundaries, and the last line only at the end", () => {
  const text = '{"a":1}\n\n   \n{"b":2}\r\n{"c":3}';
  const bytes = Buffer.from(text);
  for (let size = 1; size <= bytes.length; size++) {
    const c = new LineCounter();
    for (let i = 0; i < bytes.length; i += size) c.push(bytes.subarray(i, i + size));
    assert.equal(c.lines, 2, `chunks of ${size}: a cut last line is not counted`);
    assert.equal(c.completeBytes, text.lastIndexOf("\n") + 1);
    c.end();
    assert.equal(c.lines, 3);
  }
});

test("WARC and WET files count the records the reader yields (responses, conversions)", async () => {
  const dir = tempDir();
  for (const [name, bytes] of [["crawl.warc.gz", await makeWarc()], ["crawl.warc.wet.gz", await makeWet()]] as const) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    let yielded = 0;
    for await (const _ of readSources([path], { textField: "text", idField: "id" })) yielded++;
    assert.deepEqual(await countInput({ path }), { file: path, documents: yielded, how: "counted" }, name);
  }
});

test("a .zst or .gz larger than the probe is extrapolated within 5 % of its real count", async () => {
  const dir = tempDir();
  const rand = seededRandom(11);
  const lines: string[] = [];
  for (let i = 0; i < 8000; i++) lines.push(JSON.stringify({ id: i, text: Array.from({ length: 20 + Math.floor(rand() * 100) }, () => rand().toString(36).slice(2)).join(" ") }));
  const content = Buffer.from(lines.join("\n") + "\n");
  const files = { "raw.jsonl.zst": zstdRawFrame(content), "packed.jsonl.gz": gzipSync(content) };
  for (const [name, bytes] of Object.entries(files)) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const c = await countInput({ path });
    assert.equal(c.how, "extrapolated", name);
    assert.ok(Math.abs(c.documents - 8000) <= 400, `${name}: ${c.documents} of 8000`);
  }
});
