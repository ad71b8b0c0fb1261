/**
 * The pipeline over real Common Crawl documents from ../shared/data (Dolma format, ids are
 * URLs), as JSONL and converted to Parquet in the test; skipped where ../shared is absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { QaRecord } from "../src/records.js";
import { readJsonl, runOn, SHARED_DATA, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";

const WEB = join(SHARED_DATA, "corpora", "web");
const skip = existsSync(WEB) ? false : `../shared/data/corpora/web not found (${WEB}): the real-corpus run needs the shared data folder`;

test("20 real Common Crawl documents, as JSONL and as Parquet, give the same pairs", { skip }, async () => {
  const files = readdirSync(WEB).filter((f) => f.endsWith(".jsonl")).sort().map((f) => join(WEB, f));
  const docs = files.flatMap((f) => readFileSync(f, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)));
  assert.equal(docs.length, 20);
  const dir = tempDir();
  const parquet = join(dir, "cc.parquet");
  parquetWriteFile({
    filename: parquet,
    rowGroupSize: 7,
    columnData: [
      { name: "id", data: docs.map((d) => d.id), type: "STRING" },
      { name: "text", data: docs.map((d) => d.text), type: "STRING" },
    ],
  });
  const fake = await startStageServer();
  try {
    const a = await runOn(fake, files, join(dir, "jsonl"));
    const b = await runOn(fake, [parquet], join(dir, "parquet"));
    for (const res of [a, b]) {
      assert.equal(res.stats.documents_read, 20);
      assertStatsAddUp(res.stats);
    }
    const qa = readJsonl(join(dir, "jsonl", "qa"));
    assert.ok(qa.length > 0, "real web documents yield pairs");
    for (const r of qa) {
      const rec = QaRecord.parse(r);
      assert.match(rec.source.url ?? "", /^https?:\/\//, "Dolma ids are URLs and travel as source.url");
      assert.ok(rec.source.line! >= 1);
    }
    const pq = readJsonl(join(dir, "parquet", "qa"));
    for (const r of pq) assert.equal(typeof r.source.row, "number");
    const key = (r: { doc_id: string; question: string; answer: string }) => `${r.doc_id}\u0000${r.question}\u0000${r.answer}`;
    assert.deepEqual(new Set(pq.map(key)), new Set(qa.map(key)));
    // The longest real document (65k characters) is split into windows, never sent whole.
    assert.ok((a.stats.windows_extra ?? 0) > 0);
  } finally {
    await fake.close();
  }
});
