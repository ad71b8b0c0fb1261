/**
 * Measured difficulty reaches every trainer format: `pass_rate` (the first model's) and
 * `pass_rates` (every model's) in verl's extra_info and as columns of OpenRLHF, TRL and the
 * Hugging Face dataset, read back with DuckDB; pairs that were not rolled out carry null and [].
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { exportDataset } from "../src/export/export.js";
import { EXPORT_FORMATS } from "../src/export/formats.js";
import { resolvePolicyPrompt } from "../src/export/policy-prompt.js";
import { parseTestSize } from "../src/export/split.js";
import type { QaRecord } from "../src/records.js";
import { entryFor, plannedPairs, writeRun } from "./support/rollout-fixture.js";

let root: string;
let db: DuckDBConnection;
const recs = new Map<string, QaRecord>();

before(async () => {
  root = mkdtempSync(join(tmpdir(), "wsrl-export-pr-"));
  const pairs = plannedPairs(60, "ex");
  pairs.forEach((p, i) => {
    // Every 7th pair not measured; the others by two models, the first the policy's base model.
    if (i % 7 !== 3) p.rec.rollout = [entryFor("Qwen/Qwen2.5-3B-Instruct", i % 9), entryFor("Qwen/Qwen2.5-72B-Instruct", (i * 4) % 9, 8)];
    recs.set(p.rec.id, p.rec);
  });
  writeRun(join(root, "run"), pairs);
  db = await (await DuckDBInstance.create()).connect();
});
after(() => rmSync(root, { recursive: true, force: true }));

async function read(sql: string): Promise<Record<string, any>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, any>[];
}

for (const format of EXPORT_FORMATS) {
  test(`${format}: pass_rate and pass_rates read back with DuckDB`, async () => {
    const out = join(root, format);
    await exportDataset({ dir: join(root, "run"), format, out, testSize: parseTestSize("0.2"), seed: 1, prompt: await resolvePolicyPrompt(), includeSourceText: false, dataSource: "webscale-rl" });
    const files = format === "hf" ? readdirSync(join(out, "data")).map((f) => join(out, "data", f)) : readdirSync(out).filter((f) => /\.(parquet|jsonl)$/.test(f)).map((f) => join(out, f));
    const from = files.map((f) => (f.endsWith(".jsonl") ? `read_json_auto('${f}')` : `read_parquet('${f}')`)).join(" UNION ALL BY NAME SELECT * FROM ");
    const cols = format === "verl" ? "extra_info.id AS id, extra_info.pass_rate AS pass_rate, extra_info.pass_rates AS pass_rates" : "id, pass_rate, pass_rates";
    const rows = await read(`SELECT ${cols} FROM (SELECT * FROM ${from})`);
    assert.equal(rows.length, 60);
    if (format !== "openrlhf") {
      const types = Object.fromEntries((await read(`DESCRIBE SELECT ${cols} FROM (SELECT * FROM ${from})`)).map((r) => [r.column_name, r.column_type]));
      assert.equal(types.pass_rate, "DOUBLE");
      assert.equal(types.pass_rates, "STRUCT(model VARCHAR, pass_rate DOUBLE, correct BIGINT, samples BIGINT)[]");
    }
    for (const r of rows) {
      const src = recs.get(r.id)!;
      if (!src.rollout) {
        assert.equal(r.pass_rate, null, "not measured: null");
        assert.deepEqual(r.pass_rates, []);
        continue;
      }
      assert.equal(Number(r.pass_rate), src.rollout[0]!.pass_rate, "the first model's pass rate");
      assert.deepEqual(
        r.pass_rates.map((e: any) => [e.model, Number(e.pass_rate), Number(e.correct), Number(e.samples)]),
        src.rollout.map((e) => [e.model, e.pass_rate, e.correct, e.samples]),
      );
    }
  });
}
