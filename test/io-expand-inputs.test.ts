import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expandInputs } from "../src/io/sources/index.js";

const dir = mkdtempSync(join(tmpdir(), "io-expand-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const files = ["corpus/b.jsonl.zst", "corpus/a.jsonl.zst", "corpus/c.jsonl", "corpus/README.txt.bak", "corpus/sub/d.parquet", "corpus/sub/e.md", "corpus/sub/f.json.gz", "corpus/.hidden.jsonl", "other/x.txt", "other/notes.csv"];
for (const f of files) {
  mkdirSync(join(dir, f, ".."), { recursive: true });
  writeFileSync(join(dir, f), "");
}
const p = (f: string) => join(dir, f);

test("a glob expands to its supported matches in sorted order", async () => {
  assert.deepEqual(await expandInputs([p("corpus/*.jsonl.zst")]), [p("corpus/a.jsonl.zst"), p("corpus/b.jsonl.zst")]);
  // Unsupported files next to the corpus are left out of a glob's matches.
  assert.deepEqual(await expandInputs([p("corpus/*")]), [p("corpus/a.jsonl.zst"), p("corpus/b.jsonl.zst"), p("corpus/c.jsonl")]);
});

test("relative globs give relative paths", async () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    assert.deepEqual(await expandInputs(["corpus/**/*.json*"]), ["corpus/a.jsonl.zst", "corpus/b.jsonl.zst", "corpus/c.jsonl", "corpus/sub/f.json.gz"]);
  } finally {
    process.chdir(cwd);
  }
});

test("a directory gives every supported file below it, sorted; hidden files skipped", async () => {
  const got = await expandInputs([p("corpus")]);
  assert.deepEqual(
    got.map((f) => relative(dir, f)),
    ["corpus/a.jsonl.zst", "corpus/b.jsonl.zst", "corpus/c.jsonl", "corpus/sub/d.parquet", "corpus/sub/e.md", "corpus/sub/f.json.gz"],
  );
});

test("patterns keep their order and duplicates are dropped", async () => {
  const got = await expandInputs([p("corpus/c.jsonl"), p("corpus/*.jsonl*"), p("other/x.txt"), p("corpus/c.jsonl")]);
  assert.deepEqual(got, [p("corpus/c.jsonl"), p("corpus/a.jsonl.zst"), p("corpus/b.jsonl.zst"), p("other/x.txt")]);
});

test("configuration errors: nothing matches, missing file, unsupported format, empty directory", async () => {
  await assert.rejects(expandInputs([p("corpus/*.warc")]), /no input files match '.*corpus\/\*\.warc'/);
  await assert.rejects(expandInputs([p("missing.jsonl")]), /no input files match '.*missing\.jsonl': the file does not exist/);
  await assert.rejects(expandInputs([p("other/notes.csv")]), /unsupported input file '.*notes\.csv': supported formats are .*\.jsonl.*\.parquet/);
  await assert.rejects(expandInputs([p("other/*.csv")]), /no input files match .* none in a supported format/);
  mkdirSync(p("empty"), { recursive: true });
  await assert.rejects(expandInputs([p("empty")]), /no input files found in directory/);
});
