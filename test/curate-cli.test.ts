import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Rejection, Stats, type QaRecord } from "../src/records.js";
import { readQa } from "../src/io/run-dir.js";
import { qa, unrelated } from "./support/curate-fixtures.js";
import { cliArgv } from "./support/cli-command.js";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "..");
const cli = (args: string[]) => run(process.execPath, cliArgv(["curate", ...args]), { cwd: repoRoot, encoding: "utf8" });

const lines = (dir: string) =>
  readdirSync(dir).sort().flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)));

function makeRun(dir: string): QaRecord[] {
  const qs = unrelated(120, 3);
  const recs: QaRecord[] = qs.map((q, i) => qa(`r${i}`, q, "Oslo", { domain: i % 2 ? "Coding" : "Math", doc_id: `d${i}` }));
  recs.push(qa("dup-exact", qs[4].toUpperCase(), "Oslo"));
  recs.push(qa("dup-near", qs[6].replace("?", " now?"), "Oslo"));
  recs.push(qa("contaminated", "Quick one: a farmer has seventeen sheep and all but nine run away into the hills, how many remain?", "9"));
  recs.push(qa("bad-quality", "According to the text, what did the mayor decide?", "N/A"));
  mkdirSync(join(dir, "qa"), { recursive: true });
  const half = Math.floor(recs.length / 2);
  writeFileSync(join(dir, "qa", "part-00000.jsonl"), recs.slice(0, half).map((r) => JSON.stringify(r)).join("\n") + "\n{broken json\n");
  writeFileSync(join(dir, "qa", "part-00001.jsonl"), recs.slice(half).map((r) => JSON.stringify(r)).join("\n") + "\n");
  const zero = { requests: 0, retries: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cached_prompt_tokens: 0 };
  const stats: Stats = {
    documents_read: 200, documents_finished: 200, qa_accepted: recs.length,
    funnel: { documents_read: 200, prefilter_passed: 180, filter_passed: 150, identified: 150, pairs_generated: 300, pairs_checked: 300, pairs_accepted: recs.length },
    rejections: { "check.not_grounded": 176 }, llm: { ...zero, by_stage: {}, by_model: {} }, wall_seconds: 10,
    throughput: { documents_per_second: 20, pairs_per_second: 12, tokens_per_second: 0 },
  };
  writeFileSync(join(dir, "stats.json"), JSON.stringify(stats));
  writeFileSync(join(dir, "run.json"), JSON.stringify({ command: "run" }));
  return recs;
}

test("curate CLI end to end on a run directory: dedup, decontamination, quality, quota, layout and stats", async () => {
  const root = mkdtempSync(join(tmpdir(), "curate-cli-"));
  try {
    const runDir = join(root, "run");
    const recs = makeRun(runDir);
    const bench = join(root, "bench.jsonl");
    writeFileSync(bench, JSON.stringify({ question: "A farmer has seventeen sheep and all but nine run away into the hills, how many remain?" }) + "\n");
    const out = join(root, "curated");
    const args = [runDir, "--out", out, "--benchmarks", bench, "--domain-quota", "Coding=40", "--part-records", "50", "--no-progress"];
    const { stdout } = await cli(args);
    const summary = JSON.parse(stdout);
    assert.equal(summary.pairs_read, recs.length + 1);

    const kept = [];
    for await (const r of readQa(out)) kept.push(r);
    const rejected = lines(join(out, "rejected")).map((r) => Rejection.parse(r));
    const reasons = Object.fromEntries(rejected.map((r) => [r.pair?.id ?? r.reason, r.reason]));
    assert.equal(reasons["dup-exact"], "dedup.exact");
    assert.equal(reasons["dup-near"], "dedup.near");
    assert.equal(reasons.contaminated, "decontaminate.benchmark_overlap");
    assert.equal(reasons["bad-quality"], "quality.empty_answer");
    assert.equal(reasons["input.invalid_json"], "input.invalid_json");
    assert.equal(rejected.find((r) => r.pair?.id === "dup-exact")?.data?.duplicate_of, "r4");
    assert.equal(rejected.filter((r) => r.reason === "quota.domain_full").length, 20);
    assert.equal(kept.filter((r) => r.domain === "Coding").length, 40);
    assert.equal(kept.length + rejected.length, recs.length + 1);
    assert.ok(readdirSync(join(out, "qa")).length >= 2, "parts rotate at --part-records");

    const stats = Stats.parse(JSON.parse(readFileSync(join(out, "stats.json"), "utf8")));
    assert.equal(stats.funnel.pairs_accepted, recs.length, "the input's funnel is kept");
    assert.equal(stats.funnel.pairs_curated, kept.length);
    assert.equal(stats.rejections["check.not_grounded"], 176);
    assert.equal(stats.rejections["dedup.exact"], 1);
    const cur = stats.curation as { contamination: { per_benchmark: Record<string, number> }; dedup: { near: number } };
    assert.deepEqual(cur.contamination.per_benchmark, { "bench.jsonl": 1 });
    assert.equal(cur.dedup.near, 1);
    assert.equal(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).command, "curate");

    // Restartable: a second run over the same output gives the same result.
    await cli(args);
    const again = [];
    for await (const r of readQa(out)) again.push(r.id);
    assert.deepEqual(again, kept.map((r) => r.id));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("curate CLI on foreign JSONL maps fields, and config errors stop with a hint", async () => {
  const root = mkdtempSync(join(tmpdir(), "curate-cli-"));
  try {
    const f = join(root, "pairs.jsonl");
    writeFileSync(f, [
      { question: "How many moons does Mars have in total?", answer: 2 },
      { problem: "What is the boiling point of water at sea level in Celsius?", solution: "100" },
      { question: "How many moons does Mars have in total?", answer: "2" },
      { text: "no question here" },
    ].map((r) => JSON.stringify(r)).join("\n") + "\n");
    const out = join(root, "out");
    await cli([f, "--out", out, "--no-progress"]);
    const kept = lines(join(out, "qa"));
    assert.equal(kept.length, 2);
    assert.equal(kept[0].answer_type, "number");
    assert.equal(kept[0].domain, "Other");
    assert.match(kept[0].id, /^h:[0-9a-f]{16}$/);
    const reasons = lines(join(out, "rejected")).map((r) => r.reason).sort();
    assert.deepEqual(reasons, ["dedup.exact", "input.missing_field"]);

    await assert.rejects(cli([f, "--out", join(root, "o2"), "--domain-quota", "Coding=0.2"]), (e: { stderr: string }) => /--target-pairs/.test(e.stderr));
    writeFileSync(join(root, "o3"), "");
    mkdirSync(join(root, "o4"));
    writeFileSync(join(root, "o4", "x"), "");
    await assert.rejects(cli([f, "--out", join(root, "o4")]), (e: { stderr: string }) => /not empty/.test(e.stderr));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
