import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { Curator, defaultCurateOptions, type CurateOptions } from "../src/curate/curator.js";
import { stripScaffold } from "../src/curate/benchmarks.js";
import { qa, unrelated } from "./support/curate-fixtures.js";

const repoRoot = resolve(import.meta.dirname, "..");
const BENCH_DIR = resolve(repoRoot, "../shared/data/benchmarks");
const tmp = () => mkdtempSync(join(tmpdir(), "curate-decon-"));
const opts = (o: Partial<CurateOptions>): CurateOptions => ({ ...defaultCurateOptions, dedup: false, quality: false, ...o });

const CLEAN = [
  "Which Norwegian engineer designed the first hydroelectric turbine installed at the Rjukan plant in 1911?",
  "What was the population of the Hungarian town of Eger according to the 1870 census?",
  "How many kilometres of track did the Kenya-Uganda Railway have when it opened in 1901?",
  "In what year did the Dutch botanist Hugo de Vries publish his mutation theory?",
];

function rows(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}
const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;

test("planted real GSM8K, MATH and TriviaQA items, lightly edited, are caught with benchmark and item; clean pairs pass", async (t) => {
  if (!existsSync(BENCH_DIR)) {
    t.skip(`shared benchmark data not found at ${BENCH_DIR}`);
    return;
  }
  const files = ["gsm8k_test.jsonl", "math.jsonl", "triviaqa_sm_sub.jsonl"].map((f) => join(BENCH_DIR, f));
  const dir = tmp();
  try {
    const cur = await Curator.open(dir, opts({ benchmarks: files.map((path) => ({ path })) }));
    const planted: { question: string; benchmark: string; item: number }[] = [];
    const gsm = rows(files[0]);
    for (const item of [3, 250, 1200]) {
      const words = String(gsm[item].question).split(" ");
      words[2] = "zebra"; // one word changed near the start
      planted.push({ question: words.join(" "), benchmark: "gsm8k_test.jsonl", item });
    }
    const math = rows(files[1]);
    const longMath = math.map((r, i) => ({ r, i })).filter(({ r }) => wordCount(String(r.context)) >= 25).slice(10, 13);
    for (const { r, i } of longMath) planted.push({ question: String(r.context).replace(/[,.]/g, " ").toUpperCase(), benchmark: "math.jsonl", item: i });
    const trivia = rows(files[2]);
    const shortTrivia = trivia.map((r, i) => ({ r, i })).filter(({ r }) => {
      const n = wordCount(stripScaffold(String(r.context)));
      return n >= 9 && n < 13;
    }).slice(0, 3);
    for (const { r, i } of shortTrivia) planted.push({ question: stripScaffold(String(r.context)).replace("?", " ?!").toLowerCase(), benchmark: "triviaqa_sm_sub.jsonl", item: i });
    assert.equal(planted.length, 9);

    const clean = [...CLEAN, ...unrelated(200)];
    let n = 0;
    for (const q of clean.slice(0, 100)) assert.equal(cur.admit(qa(`c${n++}`, q, "Oslo")), null, q);
    for (const p of planted) {
      const rej = cur.admit(qa(`p${n++}`, p.question, "42"));
      assert.equal(rej?.reason, "decontaminate.benchmark_overlap", p.question);
      assert.equal(rej?.data?.benchmark, p.benchmark);
      assert.equal(rej?.data?.item, p.item);
    }
    for (const q of clean.slice(100)) assert.equal(cur.admit(qa(`c${n++}`, q, "Oslo")), null, q);
    const st = cur.stats() as { contamination: { per_benchmark: Record<string, number> } };
    assert.deepEqual(st.contamination.per_benchmark, { "gsm8k_test.jsonl": 3, "math.jsonl": 3, "triviaqa_sm_sub.jsonl": 3 });
    await cur.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("self-made JSONL and Parquet benchmarks: n-grams, the short-text rule, question+answer spans", async () => {
  const dir = tmp();
  try {
    const jsonl = join(dir, "mybench.jsonl");
    writeFileSync(
      jsonl,
      [
        { problem: "A farmer has seventeen sheep and all but nine run away into the hills so how many sheep remain with the farmer now" },
        { problem: "Question: Which planet has the most moons in the solar system?\nAnswer:" }, // 10 words after scaffold
        { problem: "Which river crosses Lyon?" }, // 4 words: matched whole, inside the question or the answer
        { other: "no known field here" },
      ].map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    const pq = join(dir, "pq.parquet");
    parquetWriteFile({
      filename: pq,
      columnData: [{ name: "question", data: ["The tallest waterfall in the world by total height is located in which South American country near the Gran Sabana"], type: "STRING" }],
    });
    const cur = await Curator.open(join(dir, "state"), opts({ benchmarks: [{ path: jsonl, preset: "math" }, { path: pq }] }));
    let i = 0;
    const admit = (question: string, answer = "x") => cur.admit(qa(`a${i++}`, question, answer));
    // 13 shared words inside a longer question.
    const r1 = admit("Puzzle time: all but nine run away into the hills so how many sheep remain with the farmer, given seventeen?");
    assert.deepEqual([r1?.data?.benchmark, r1?.data?.item, r1?.data?.ngram], ["mybench.jsonl", 0, 13]);
    // Only 12 shared words: passes.
    assert.equal(admit("Puzzle: but nine run away into the hills so how many sheep remain for a farmer?"), null);
    // Short item (10 words): caught when the whole sequence is present, not when a word is missing.
    assert.equal(admit("Trivia night! Which planet has the most moons in the solar system today?")?.data?.item, 1);
    assert.equal(admit("Which planet has the most moons in the system?"), null);
    // A short item that appears whole, whatever its length, in the question or in the answer.
    assert.equal(admit("For the geography round: which river crosses Lyon, in France?")?.data?.item, 2);
    assert.equal(admit("Name the capital of the Rhône department.", "the answer to which river crosses Lyon")?.data?.item, 2);
    // Not across the question/answer boundary, and not with a word missing.
    assert.equal(admit("Quiz: which river", "crosses Lyon"), null);
    assert.equal(admit("Which big river crosses Lyon?"), null);
    // Parquet, `auto` fields; the n-gram spans the question and the answer.
    const r2 = admit("The tallest waterfall in the world by total height is located in which South", "American country near the Gran Sabana");
    assert.deepEqual([r2?.data?.benchmark, r2?.data?.item], ["pq.parquet", 0]);
    const st = cur.stats() as { contamination: { benchmarks: { file: string; bad_items: number; too_short_ignored: number; short_texts_whole_match: number }[] } };
    const mine = st.contamination.benchmarks.find((b) => b.file === "mybench.jsonl")!;
    assert.deepEqual([mine.bad_items, mine.too_short_ignored, mine.short_texts_whole_match], [1, 0, 2]);
    await cur.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a benchmark without the named fields is a config error that says what to do", async () => {
  const dir = tmp();
  try {
    const f = join(dir, "b.jsonl");
    writeFileSync(f, JSON.stringify({ foo: "bar" }) + "\n");
    await assert.rejects(Curator.open(join(dir, "s"), opts({ benchmarks: [{ path: f }] })), /--benchmark-fields b\.jsonl=FIELD/);
    await assert.rejects(Curator.open(join(dir, "s"), opts({ benchmarks: [{ path: join(dir, "missing.jsonl") }] })), /cannot read benchmark file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
