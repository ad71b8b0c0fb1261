import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parquetWriteFile } from "hyparquet-writer";
import { parquetMetadata } from "hyparquet";
import { readSources, type InputSpec, type SourceItem, type SourceOptions } from "../src/io/sources/index.js";
import { shortHash } from "../src/util/hash.js";
import { zstdRawFrame } from "./support/write-zstd.js";

const OPTS: SourceOptions = { textField: "text", idField: "id" };
const dir = mkdtempSync(join(tmpdir(), "io-sources-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function hasZstd(): boolean {
  try {
    execFileSync("zstd", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function collect(inputs: (string | InputSpec)[], opts: SourceOptions = OPTS): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of readSources(inputs, opts)) out.push(item);
  return out;
}

function docs(items: SourceItem[]) {
  return items.flatMap((i) => (i.kind === "doc" ? [i.doc] : []));
}
function bad(items: SourceItem[]) {
  return items.flatMap((i) => (i.kind === "bad" ? [i.rejection] : []));
}

const GOOD_LINES = [
  JSON.stringify({ id: "a", text: "first document" }),
  JSON.stringify({ id: 7, text: "second document", url: "https://example.org/2" }),
  JSON.stringify({ text: "third document, no id" }),
];
const GOOD_JSONL = GOOD_LINES.join("\n") + "\n";

test("plain, .gz and .zst JSON Lines give the same documents with 1-based lines", async (t) => {
  const plain = join(dir, "good.jsonl");
  writeFileSync(plain, GOOD_JSONL);
  writeFileSync(join(dir, "good.ndjson.gz"), gzipSync(GOOD_JSONL));
  writeFileSync(join(dir, "good-raw.json.zst"), zstdRawFrame(Buffer.from(GOOD_JSONL)));
  const files = [plain, join(dir, "good.ndjson.gz"), join(dir, "good-raw.json.zst")];
  if (hasZstd()) {
    execFileSync("zstd", ["-q", "-f", plain, "-o", join(dir, "good.jsonl.zst")]);
    files.push(join(dir, "good.jsonl.zst"));
  } else {
    t.diagnostic("zstd not installed: only the raw-block zstd frame is tested");
  }
  for (const file of files) {
    const items = await collect([file]);
    assert.equal(bad(items).length, 0, file);
    assert.deepEqual(docs(items), [
      { id: "a", text: "first document", source: { file, line: 1 } },
      { id: "7", text: "second document", source: { file, line: 2, url: "https://example.org/2" } },
      { id: "h:" + shortHash("third document, no id"), text: "third document, no id", source: { file, line: 3 } },
    ]);
  }
});

test("bad lines become input rejections at their exact line, and reading goes on", async () => {
  const file = join(dir, "bad.jsonl");
  const lines = [
    JSON.stringify({ id: "ok1", text: "fine" }), // 1
    "{not json", // 2
    "", // 3 blank: skipped, still counted
    "[1,2,3]", // 4
    JSON.stringify({ id: "m", body: "no text field" }), // 5
    JSON.stringify({ id: "n", text: 42 }), // 6
    JSON.stringify({ id: "e", text: "  \n\t " }), // 7
    JSON.stringify({ id: "ok2", text: "also fine" }), // 8
    '{"id": "trunc", "text": "cut of', // 9: truncated final line, no newline
  ];
  writeFileSync(file, lines.join("\n"));
  const items = await collect([file]);
  assert.deepEqual(
    docs(items).map((d) => [d.id, d.source.line]),
    [
      ["ok1", 1],
      ["ok2", 8],
    ],
  );
  assert.deepEqual(
    bad(items).map((r) => [r.reason, r.source.line, r.doc_id, r.kind, r.stage]),
    [
      ["input.malformed_json", 2, undefined, "input", "input"],
      ["input.not_an_object", 4, undefined, "input", "input"],
      ["input.missing_text", 5, "m", "input", "input"],
      ["input.missing_text", 6, "n", "input", "input"],
      ["input.empty_text", 7, "e", "input", "input"],
      ["input.malformed_json", 9, undefined, "input", "input"],
    ],
  );
  for (const r of bad(items)) {
    assert.equal(r.source.file, file);
    assert.ok(r.detail && r.detail.length > 0);
  }
});

test("a final line without newline counts; CRLF line ends are handled", async () => {
  const file = join(dir, "crlf.jsonl");
  writeFileSync(file, GOOD_LINES.join("\r\n"));
  const items = await collect([file]);
  assert.equal(bad(items).length, 0);
  assert.deepEqual(
    docs(items).map((d) => [d.text, d.source.line]),
    [
      ["first document", 1],
      ["second document", 2],
      ["third document, no id", 3],
    ],
  );
});

test("multi-byte UTF-8 split across read and gunzip chunk boundaries stays intact", async () => {
  // Reads come in 1 MiB chunks: place a 4-byte emoji across the first boundary.
  const MiB = 1 << 20;
  const prefix = '{"id":"big","text":"';
  const fillerBytes = MiB - Buffer.byteLength(prefix) - 2;
  const text = "x".repeat(fillerBytes) + "😀é中" + "y".repeat(100);
  const line1 = prefix + text + '"}';
  assert.ok(Buffer.byteLength(prefix) + fillerBytes < MiB && Buffer.byteLength(prefix) + fillerBytes + 4 > MiB);
  const content = line1 + "\n" + JSON.stringify({ id: "small", text: "ünïcödé ✓" }) + "\n";
  const plain = join(dir, "utf8.jsonl");
  writeFileSync(plain, content);
  writeFileSync(plain + ".gz", gzipSync(content));
  writeFileSync(plain + ".zst", zstdRawFrame(Buffer.from(content)));
  for (const file of [plain, plain + ".gz", plain + ".zst"]) {
    const got = docs(await collect([file]));
    assert.equal(got.length, 2, file);
    assert.equal(got[0].text, text, file);
    assert.equal(got[1].text, "ünïcödé ✓", file);
  }
});

test("unreadable and corrupt files are reported once each and the next file is still read", async (t) => {
  const good = join(dir, "after.jsonl");
  writeFileSync(good, JSON.stringify({ id: "after", text: "still read" }) + "\n");

  // Truncated gzip: lines before the cut are yielded, then one unreadable_file rejection.
  const manyLines = Array.from({ length: 20000 }, (_, i) => JSON.stringify({ id: `g${i}`, text: `document number ${i} ${"pad ".repeat(20)}` })).join("\n") + "\n";
  const gz = gzipSync(manyLines);
  const cutGz = join(dir, "cut.jsonl.gz");
  writeFileSync(cutGz, gz.subarray(0, Math.floor(gz.length / 2)));
  // Truncated zstd, same idea.
  const cutZst = join(dir, "cut.jsonl.zst");
  const zst = zstdRawFrame(Buffer.from(manyLines));
  writeFileSync(cutZst, zst.subarray(0, Math.floor(zst.length / 2)));
  // Not gzip at all.
  const notGz = join(dir, "garbage.jsonl.gz");
  writeFileSync(notGz, "this is not gzip data at all");
  const vanished = join(dir, "does-not-exist.jsonl");

  const inputs = [cutGz, good, cutZst, good, notGz, vanished, good];
  const items = await collect(inputs);
  const rejections = bad(items);
  assert.deepEqual(
    rejections.map((r) => [r.reason, r.source.file]),
    [
      ["input.unreadable_file", cutGz],
      ["input.unreadable_file", cutZst],
      ["input.unreadable_file", notGz],
      ["input.unreadable_file", vanished],
    ],
  );
  // The line reached is reported for the streams that had produced lines.
  for (const r of rejections.slice(0, 2)) {
    assert.ok(r.source.line !== undefined && r.source.line > 1000, `line reached for ${r.source.file}: ${r.source.line}`);
    assert.match(r.detail ?? "", /after line \d+/);
  }
  assert.match(rejections[3].detail ?? "", /ENOENT/);
  const all = docs(items);
  assert.equal(all.filter((d) => d.id === "after").length, 3);
  // Everything before the cut was yielded, in order, from line 1.
  const fromGz = all.filter((d) => d.source.file === cutGz);
  assert.ok(fromGz.length > 1000);
  assert.deepEqual(
    fromGz.map((d) => d.source.line),
    fromGz.map((_, i) => i + 1),
  );

  if (process.getuid?.() === 0) {
    t.diagnostic("running as root: permission-denied case not testable, skipped");
  } else {
    const locked = join(dir, "locked.jsonl");
    writeFileSync(locked, GOOD_JSONL);
    chmodSync(locked, 0o000);
    const lockedItems = await collect([locked, good]);
    assert.deepEqual(
      bad(lockedItems).map((r) => r.reason),
      ["input.unreadable_file"],
    );
    assert.match(bad(lockedItems)[0].detail ?? "", /EACCES/);
    assert.equal(docs(lockedItems).length, 1);
  }
});

test("ids and URLs: string/number ids, hashes when missing, url / metadata.url / meta.url / URL ids", async () => {
  const file = join(dir, "ids.jsonl");
  const records = [
    { id: "http://dolma.example/page", text: "t1" },
    { id: "x", text: "t2", metadata: { url: "https://meta.example/" } },
    { id: 3.5, text: "t3", meta: { url: "https://meta2.example/" } },
    { id: "", text: "t4", url: "https://top.example/" },
    { id: null, text: "t5" },
    { id: "ftp://not-http", text: "t6" },
  ];
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join("\n"));
  const got = docs(await collect([file]));
  assert.deepEqual(
    got.map((d) => [d.id, d.source.url]),
    [
      ["http://dolma.example/page", "http://dolma.example/page"],
      ["x", "https://meta.example/"],
      ["3.5", "https://meta2.example/"],
      ["h:" + shortHash("t4"), "https://top.example/"],
      ["h:" + shortHash("t5"), undefined],
      ["ftp://not-http", undefined],
    ],
  );
  assert.ok(!("url" in got[4].source), "no url key when there is none");
});

test("dotted text and id fields reach nested values; a literal dotted key wins", async () => {
  const file = join(dir, "nested.jsonl");
  writeFileSync(
    file,
    [
      JSON.stringify({ meta: { doc_id: "n1" }, metadata: { content: "nested text" } }),
      JSON.stringify({ "metadata.content": "literal key", metadata: { content: "not this" } }),
    ].join("\n"),
  );
  const got = docs(await collect([file], { textField: "metadata.content", idField: "meta.doc_id" }));
  assert.deepEqual(
    got.map((d) => [d.id, d.text]),
    [
      ["n1", "nested text"],
      ["h:" + shortHash("literal key"), "literal key"],
    ],
  );
});

test("JSONL line ranges are 1-based [from, to)", async () => {
  const file = join(dir, "range.jsonl");
  writeFileSync(file, Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: `r${i + 1}`, text: `line ${i + 1}` })).join("\n") + "\n");
  const got = docs(await collect([{ path: file, fromLine: 3, toLine: 6 }, { path: file + "", fromLine: 9 }, { path: file, toLine: 2 }]));
  assert.deepEqual(
    got.map((d) => [d.id, d.source.line]),
    [
      ["r3", 3],
      ["r4", 4],
      ["r5", 5],
      ["r9", 9],
      ["r10", 10],
      ["r1", 1],
    ],
  );
});

function writeParquet(file: string, n: number, rowGroupSize: number) {
  parquetWriteFile({
    filename: file,
    rowGroupSize,
    columnData: [
      { name: "id", data: Array.from({ length: n }, (_, i) => `p${i}`), type: "STRING" },
      { name: "text", data: Array.from({ length: n }, (_, i) => (i === 5 ? "" : i === 6 ? null : `parquet row ${i} ✓`)), type: "STRING", nullable: true },
      { name: "url", data: Array.from({ length: n }, (_, i) => (i % 2 ? `https://pq.example/${i}` : null)), type: "STRING", nullable: true },
      { name: "big_unused", data: Array.from({ length: n }, () => "z".repeat(50)), type: "STRING" },
    ],
  });
}

test("Parquet: rows with 0-based positions across row groups, bad rows as rejections", async () => {
  const file = join(dir, "shard.parquet");
  writeParquet(file, 25, 10);
  const items = await collect([file]);
  const got = docs(items);
  assert.equal(got.length, 23);
  assert.deepEqual(got[0], { id: "p0", text: "parquet row 0 ✓", source: { file, row: 0 } });
  assert.deepEqual(got[1], { id: "p1", text: "parquet row 1 ✓", source: { file, row: 1, url: "https://pq.example/1" } });
  assert.deepEqual(got.at(-1)?.source, { file, row: 24 });
  assert.deepEqual(got.at(-2)?.source, { file, row: 23, url: "https://pq.example/23" });
  assert.deepEqual(
    bad(items).map((r) => [r.reason, r.source.row, r.doc_id]),
    [
      ["input.empty_text", 5, "p5"],
      ["input.missing_text", 6, "p6"],
    ],
  );
});

test("Parquet row ranges skip whole row groups without reading them", async () => {
  const file = join(dir, "ranged.parquet");
  writeParquet(file, 30, 10);
  // Destroy the first row group's column data: a range that avoids it must still read.
  const bytes = readFileSync(file);
  const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  for (const chunk of meta.row_groups[0].columns) {
    const cm = chunk.meta_data!;
    const start = Number(cm.dictionary_page_offset ?? cm.data_page_offset);
    bytes.fill(0xff, start, start + Number(cm.total_compressed_size));
  }
  writeFileSync(file, bytes);

  const ranged = await collect([{ path: file, fromRow: 12, toRow: 23 }]);
  assert.equal(bad(ranged).length, 0);
  assert.deepEqual(
    docs(ranged).map((d) => d.source.row),
    [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22],
  );
  // Reading the whole file hits the broken group: one unreadable_file, at row 0.
  const whole = await collect([file]);
  assert.deepEqual(
    bad(whole).map((r) => [r.reason, r.source.row]),
    [["input.unreadable_file", 0]],
  );
});

test("Parquet with a broken footer is unreadable, and the next file is read", async () => {
  const file = join(dir, "broken.parquet");
  writeParquet(file, 12, 5);
  const size = readFileSync(file).length;
  truncateSync(file, size - 8); // loses the footer length and magic
  const after = join(dir, "after-pq.jsonl");
  writeFileSync(after, JSON.stringify({ id: "z", text: "next file" }));
  const items = await collect([file, after]);
  assert.deepEqual(
    bad(items).map((r) => [r.reason, r.source.file]),
    [["input.unreadable_file", file]],
  );
  assert.deepEqual(
    docs(items).map((d) => d.id),
    ["z"],
  );
});

test("text and Markdown files are one document each; empty files are rejected", async () => {
  const txt = join(dir, "note.txt");
  const md = join(dir, "page.md");
  const gz = join(dir, "page2.markdown.gz");
  const empty = join(dir, "empty.txt");
  writeFileSync(txt, "\uFEFFA plain text note.\nSecond line.\n");
  writeFileSync(md, "# Title\n\nSome *markdown* body.\n");
  writeFileSync(gz, gzipSync("# Zipped\n\nbody"));
  writeFileSync(empty, " \n\n");
  const items = await collect([txt, md, gz, empty]);
  assert.deepEqual(docs(items), [
    { id: "h:" + shortHash("A plain text note.\nSecond line.\n"), text: "A plain text note.\nSecond line.\n", source: { file: txt } },
    { id: "h:" + shortHash("# Title\n\nSome *markdown* body.\n"), text: "# Title\n\nSome *markdown* body.\n", source: { file: md } },
    { id: "h:" + shortHash("# Zipped\n\nbody"), text: "# Zipped\n\nbody", source: { file: gz } },
  ]);
  assert.deepEqual(
    bad(items).map((r) => [r.reason, r.source.file]),
    [["input.empty_text", empty]],
  );
});

test("stopping early closes the file cleanly", async () => {
  const file = join(dir, "early.jsonl");
  writeFileSync(file, GOOD_JSONL.repeat(1000));
  let n = 0;
  for await (const item of readSources([file], OPTS)) {
    assert.equal(item.kind, "doc");
    if (++n === 5) break;
  }
  assert.equal(n, 5);
});
