/**
 * WARC and WET inputs: every record kind of a Common Crawl file gives a document or a
 * counted rejection with its reason and location; HTML responses become their main text
 * (boilerplate gone); and the real WARC files in ../shared read end to end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { expandInputs, readSources, type SourceItem } from "../src/io/sources/index.js";
import { makeWarc, makeWet, WET_TEXT } from "./support/warc-fixtures.js";
import { readJsonl, runOn, SHARED_DATA, startStageServer } from "./support/pipeline-harness.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";

const OPTS = { textField: "text", idField: "id" };
const dir = mkdtempSync(join(tmpdir(), "io-warc-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(files: string[]): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of readSources(files, OPTS)) out.push(item);
  return out;
}

test("a WARC's records: the 200 HTML page is one document of main text; 404, redirect, PDF and an empty app page are rejections with reasons", async () => {
  const file = join(dir, "crawl.warc.gz");
  writeFileSync(file, await makeWarc());
  const items = await collect([file]);
  const docs = items.flatMap((i) => (i.kind === "doc" ? [i.doc] : []));
  const bad = items.flatMap((i) => (i.kind === "bad" ? [i.rejection] : []));
  assert.equal(docs.length, 1);
  const doc = docs[0]!;
  assert.equal(doc.source.url, "https://heritage.example/tide-mill");
  assert.equal(doc.source.date, "2024-05-01T10:00:00Z");
  assert.equal(doc.source.record, 2, "warcinfo and request records count in the record index");
  assert.equal(doc.source.file, file);
  assert.match(doc.id, /^urn:uuid:/);
  assert.match(doc.text, /first recorded in 1170/);
  assert.match(doc.text, /20 feet across/);
  for (const boilerplate of ["Cookie policy", "All rights reserved", "Newsletter", "Home"]) assert.ok(!doc.text.includes(boilerplate), `boilerplate "${boilerplate}" removed`);
  assert.match(doc.text, /1793\.[^\n]*\n\nThe mill pond/, "paragraphs are separated by a blank line");
  assert.deepEqual(
    bad.map((r) => [r.reason, r.source.url, r.source.record]),
    [
      ["input.http_status", "https://heritage.example/missing", 3],
      ["input.http_status", "https://heritage.example/old", 4],
      ["input.not_html", "https://heritage.example/guide.pdf", 5],
      ["input.no_main_text", "https://heritage.example/app", 6],
    ],
  );
  assert.equal(bad[0]!.detail, "HTTP 404");
  assert.match(bad[2]!.detail!, /application\/pdf/);
  assert.ok(bad.every((r) => r.kind === "input" && r.source.date === "2024-05-01T10:00:00Z"));
});

test("a WET file's conversion records are documents as they are; an empty one is input.empty_text; .warc uncompressed reads the same", async () => {
  const wet = join(dir, "crawl.warc.wet.gz");
  writeFileSync(wet, await makeWet());
  const plain = join(dir, "crawl.warc");
  writeFileSync(plain, gunzipSync(await makeWarc()));
  const items = await collect([wet, plain]);
  const docs = items.flatMap((i) => (i.kind === "doc" ? [i.doc] : []));
  assert.equal(docs[0]!.text, WET_TEXT);
  assert.equal(docs[0]!.source.url, "https://heritage.example/tide-mill");
  assert.equal(docs[0]!.source.record, 1);
  assert.equal(docs[1]!.source.file, plain);
  const bad = items.flatMap((i) => (i.kind === "bad" ? [i.rejection.reason] : []));
  assert.deepEqual(bad, ["input.empty_text", "input.http_status", "input.http_status", "input.not_html", "input.no_main_text"]);
  assert.deepEqual(await expandInputs([join(dir, "*.wet.gz")]), [wet]);
});

test("a truncated WARC ends that file with input.unreadable_file at the record reached; documents before it are kept", async () => {
  const whole = await makeWarc();
  const file = join(dir, "cut.warc.gz");
  writeFileSync(file, whole.subarray(0, Math.floor(whole.length * 0.7)));
  const items = await collect([file]);
  assert.equal(items.filter((i) => i.kind === "doc").length, 1);
  const last = items.at(-1)!;
  assert.equal(last.kind, "bad");
  if (last.kind === "bad") {
    assert.equal(last.rejection.reason, "input.unreadable_file");
    assert.equal(typeof last.rejection.source.record, "number");
  }
});

const warcDir = join(SHARED_DATA, "corpora/warc");
test("the real WARC files in ../shared: every HTML response becomes a document with URL and date", { skip: existsSync(warcDir) ? false : `${warcDir} is absent (a fresh clone has no ../shared)` }, async () => {
  const files = await expandInputs([warcDir]);
  assert.equal(files.length, 2);
  const items = await collect(files);
  const docs = items.flatMap((i) => (i.kind === "doc" ? [i.doc] : []));
  assert.ok(docs.length >= 30, `${docs.length} documents`);
  for (const d of docs) {
    assert.match(d.source.url!, /^https?:\/\//);
    assert.match(d.source.date!, /^\d{4}-\d\d-\d\dT/);
    assert.ok(d.text.length > 100, `${d.source.url}: ${d.text.length} characters`);
  }
  assert.equal(new Set(docs.map((d) => d.id)).size, docs.length, "record ids are unique");
});

test("a run over the real WARC files: their pages go through the whole pipeline, each pair keeps its page's URL and date, and the funnel adds up", { skip: existsSync(warcDir) ? false : `${warcDir} is absent (a fresh clone has no ../shared)`, timeout: 300_000 }, async (t) => {
  const fake = await startStageServer();
  try {
    const out = join(dir, "warc-run");
    const { stats } = await runOn(fake, [warcDir], out);
    assertStatsAddUp(stats);
    assert.ok(stats.documents_read >= 30, `${stats.documents_read} documents`);
    assert.ok(stats.qa_accepted > 0, "pairs kept");
    for (const qa of readJsonl(join(out, "qa"))) {
      assert.match(qa.source.file, /warc_sample-000[01]\.warc\.gz$/);
      assert.match(qa.source.url, /^https?:\/\//);
      assert.match(qa.source.date, /^\d{4}-\d\d-\d\dT/);
      assert.equal(typeof qa.source.record, "number");
    }
    // The figures of the run (the model is the project's fake server, so only the input side is real).
    t.diagnostic(`WARC run: ${JSON.stringify({ documents_read: stats.documents_read, windows_extra: stats.windows_extra ?? 0, funnel: stats.funnel, rejections: stats.rejections })}`);
  } finally {
    await fake.close();
  }
});
