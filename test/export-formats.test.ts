/**
 * Every written Parquet file is read back with DuckDB (the writer is hyparquet-writer), and
 * its nested schema and values are checked against what each trainer expects.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { parse as parseYaml } from "yaml";
import { exportDataset, type ExportOptions } from "../src/export/export.js";
import { resolvePolicyPrompt } from "../src/export/policy-prompt.js";
import { parseTestSize } from "../src/export/split.js";
import { ANSWER_CLOSE, ANSWER_OPEN } from "../src/policy-format.js";
import type { QaRecord } from "../src/records.js";
import { makeSyntheticRun, SYNTHETIC_MODELS, type SyntheticRunInfo } from "./support/synthetic-run.js";

let root: string;
let run: string;
let info: SyntheticRunInfo;
let db: DuckDBConnection;
const PAIRS = 1200;

before(async () => {
  root = mkdtempSync(join(tmpdir(), "wsrl-export-"));
  run = join(root, "run");
  info = makeSyntheticRun(run, { pairs: PAIRS, seed: 3, badLines: 4 });
  db = await (await DuckDBInstance.create()).connect();
});
after(() => rmSync(root, { recursive: true, force: true }));

async function rows(file: string): Promise<Record<string, any>[]> {
  const r = await db.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
  return r.getRowObjectsJson() as Record<string, any>[];
}
async function schema(file: string): Promise<Record<string, string>> {
  const r = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
  return Object.fromEntries(r.getRowObjectsJson().map((x: any) => [x.column_name, x.column_type]));
}
async function options(over: Partial<ExportOptions> & Pick<ExportOptions, "format">): Promise<ExportOptions> {
  return {
    dir: run,
    out: join(root, `out-${over.format}-${Math.random().toString(36).slice(2, 8)}`),
    testSize: parseTestSize("0.1"),
    seed: 42,
    prompt: await resolvePolicyPrompt(),
    includeSourceText: false,
    dataSource: "webscale-rl",
    ...over,
  };
}
function sourceQa(): Map<string, QaRecord> {
  const map = new Map<string, QaRecord>();
  for (const f of readdirSync(join(run, "qa")).sort()) {
    for (const line of readFileSync(join(run, "qa", f), "utf8").split("\n")) {
      try {
        const r = JSON.parse(line) as QaRecord;
        if (r.answer) map.set(r.id, r);
      } catch {
        /* the injected malformed lines */
      }
    }
  }
  return map;
}

const MESSAGES_TYPE = 'STRUCT("role" VARCHAR, "content" VARCHAR)[]';
const PASS_RATES_TYPE = "STRUCT(model VARCHAR, pass_rate DOUBLE, correct BIGINT, samples BIGINT)[]";

test("verl: real nested columns, one extra_info struct type, values from the pairs", async () => {
  const opts = await options({ format: "verl" });
  const summary = await exportDataset(opts);
  assert.deepEqual(summary.rows, { train: 1080, test: 120 });
  assert.equal(summary.malformed.qa.count, 4, "malformed lines are counted, not fatal");
  assert.match(summary.malformed.qa.examples[0], /part-00000\.jsonl:\d+/);

  for (const split of ["train", "test"]) {
    const file = join(opts.out, `${split}.parquet`);
    assert.deepEqual(await schema(file), {
      data_source: "VARCHAR",
      prompt: MESSAGES_TYPE,
      ability: "VARCHAR",
      reward_model: "STRUCT(style VARCHAR, ground_truth VARCHAR)",
      extra_info:
        'STRUCT("index" BIGINT, split VARCHAR, id VARCHAR, question VARCHAR, answer VARCHAR, answer_type VARCHAR, aliases VARCHAR[], ordered BOOLEAN, "domain" VARCHAR, persona VARCHAR, doc_id VARCHAR, source_url VARCHAR, prompt_version VARCHAR, ' +
        `pass_rate DOUBLE, pass_rates ${PASS_RATES_TYPE}, reviewed_by VARCHAR, reviewed_at VARCHAR, review_edited BOOLEAN)`,
    });
  }
  const qa = sourceQa();
  const test = await rows(join(opts.out, "test.parquet"));
  assert.equal(test.length, 120);
  test.forEach((r, i) => {
    const src = qa.get(r.extra_info.id)!;
    assert.ok(src, "every row comes from a pair");
    assert.equal(r.data_source, "webscale-rl");
    assert.equal(r.ability, src.domain);
    assert.deepEqual(r.reward_model, { style: "rule", ground_truth: src.answer });
    assert.equal(r.extra_info.index, String(i), "index counts rows within the split");
    assert.equal(r.extra_info.split, "test");
    assert.equal(r.extra_info.question, src.question);
    assert.equal(r.extra_info.persona, src.persona);
    assert.equal(r.extra_info.doc_id, src.doc_id);
    assert.deepEqual(r.extra_info.aliases, src.aliases ?? []);
    assert.equal(r.extra_info.ordered, src.ordered ?? null, "the order flag of list answers, null otherwise");
    assert.equal(r.prompt.length, 1);
    assert.equal(r.prompt[0].role, "user");
    assert.ok(r.prompt[0].content.includes(src.question), "the prompt contains the question");
    assert.ok(r.prompt[0].content.includes(ANSWER_OPEN) && r.prompt[0].content.includes(ANSWER_CLOSE), "and the answer-tag instruction");
  });
  // Train and test partition the valid pairs.
  const trainIds = (await rows(join(opts.out, "train.parquet"))).map((r) => r.extra_info.id);
  const all = new Set([...trainIds, ...test.map((r) => r.extra_info.id)]);
  assert.equal(all.size, PAIRS);

  // Stratified: each domain's test count is within one pair of 10% of its size.
  for (const [domain, n] of Object.entries(info.domains)) {
    const k = test.filter((r) => r.ability === domain).length;
    assert.ok(Math.abs(k - n * 0.1) < 1, `${domain}: ${k} of ${n} in test`);
  }
  // Deterministic: the same seed gives the same test ids; another seed does not.
  const again = await exportDataset(await options({ format: "verl" }));
  const againIds = (await rows(again.files.find((f) => f.path.endsWith("test.parquet"))!.path)).map((r) => r.extra_info.id);
  assert.deepEqual(againIds, test.map((r) => r.extra_info.id));
  const other = await exportDataset(await options({ format: "verl", seed: 7 }));
  const otherIds = (await rows(other.files.find((f) => f.path.endsWith("test.parquet"))!.path)).map((r) => r.extra_info.id);
  assert.notDeepEqual(new Set(otherIds), new Set(againIds));
});

test("verl with --include-source-text, a system prompt and a template from a file", async () => {
  const tpl = join(root, "tpl.txt");
  writeFileSync(tpl, "Q: {question}\nAnswer inside <answer></answer>.\n");
  const opts = await options({
    format: "verl",
    includeSourceText: true,
    testSize: parseTestSize("25"),
    dataSource: "my-source",
    prompt: await resolvePolicyPrompt(`@${tpl}`, "You are careful."),
  });
  const summary = await exportDataset(opts);
  assert.deepEqual(summary.rows, { train: PAIRS - 25, test: 25 });
  assert.equal(summary.sourceTextMissing, 0);
  const s = await schema(join(opts.out, "test.parquet"));
  assert.ok(s.extra_info.endsWith(`source_url VARCHAR, prompt_version VARCHAR, pass_rate DOUBLE, pass_rates ${PASS_RATES_TYPE}, reviewed_by VARCHAR, reviewed_at VARCHAR, review_edited BOOLEAN, source_text VARCHAR)`), s.extra_info);
  for (const r of await rows(join(opts.out, "test.parquet"))) {
    assert.equal(r.data_source, "my-source");
    assert.equal(r.extra_info.source_text, info.docText!.get(r.extra_info.doc_id), "the document text, looked up by doc_id");
    assert.deepEqual(r.prompt.map((m: any) => m.role), ["system", "user"]);
    assert.equal(r.prompt[0].content, "You are careful.");
    assert.equal(r.prompt[1].content, `Q: ${r.extra_info.question}\nAnswer inside <answer></answer>.`);
  }
});

test("openrlhf: JSONL with chat messages under input and the answer under label", async () => {
  const opts = await options({ format: "openrlhf", includeSourceText: true });
  const summary = await exportDataset(opts);
  assert.deepEqual(summary.files.map((f) => f.path.split("/").pop()), ["train.jsonl", "test.jsonl"]);
  const qa = sourceQa();
  const lines = readFileSync(join(opts.out, "train.jsonl"), "utf8").trim().split("\n");
  assert.equal(lines.length, summary.rows.train);
  for (const line of lines) {
    const r = JSON.parse(line);
    assert.deepEqual(Object.keys(r), ["input", "label", "reward_label", "id", "question", "answer_type", "aliases", "ordered", "domain", "persona", "doc_id", "data_source", "pass_rate", "pass_rates", "source_text"]);
    const src = qa.get(r.id)!;
    assert.equal(r.label, src.answer);
    assert.equal(r.ordered, src.ordered ?? null);
    // OpenRLHF sends only labels: the reward label carries the aliases and the order flag.
    assert.deepEqual(JSON.parse(r.reward_label), { answer: src.answer, aliases: src.aliases ?? [], ...(src.ordered !== undefined ? { ordered: src.ordered } : {}) });
    assert.equal(r.input[0].role, "user");
    assert.ok(r.input[0].content.includes(src.question));
    assert.equal(r.source_text, info.docText!.get(src.doc_id));
  }
});

test("trl: prompt messages plus ground_truth and solution, as Parquet or JSONL", async () => {
  const opts = await options({ format: "trl" });
  await exportDataset(opts);
  const s = await schema(join(opts.out, "train.parquet"));
  assert.equal(s.prompt, MESSAGES_TYPE);
  assert.equal(s.ground_truth, "VARCHAR");
  assert.equal(s.solution, "VARCHAR");
  assert.equal(s.aliases, "VARCHAR[]");
  assert.equal(s.ordered, "BOOLEAN");
  const qa = sourceQa();
  for (const r of await rows(join(opts.out, "test.parquet"))) {
    assert.equal(r.ground_truth, qa.get(r.id)!.answer);
    assert.equal(r.ordered, qa.get(r.id)!.ordered ?? null);
    assert.equal(r.solution, r.ground_truth);
    assert.ok(r.prompt[0].content.includes(r.question));
  }

  const jopts = await options({ format: "trl", fileFormat: "jsonl", testSize: parseTestSize("0") });
  const summary = await exportDataset(jopts);
  assert.deepEqual(summary.rows, { train: PAIRS, test: 0 });
  assert.ok(!existsSync(join(jopts.out, "test.jsonl")), "no test file without a test split");
  const first = JSON.parse(readFileSync(join(jopts.out, "train.jsonl"), "utf8").split("\n")[0]);
  assert.deepEqual(Object.keys(first).slice(0, 3), ["prompt", "ground_truth", "solution"]);
});

test("hf: sharded Parquet under data/ and a dataset card whose YAML names the right features, splits and files", async () => {
  const opts = await options({ format: "hf", shardRows: 400, includeSourceText: true });
  const summary = await exportDataset(opts);
  const shards = readdirSync(join(opts.out, "data")).sort();
  assert.deepEqual(shards, ["test-00000-of-00001.parquet", "train-00000-of-00003.parquet", "train-00001-of-00003.parquet", "train-00002-of-00003.parquet"]);

  const card = readFileSync(join(opts.out, "README.md"), "utf8");
  const m = /^---\n([\s\S]*?)\n---\n/.exec(card);
  assert.ok(m, "the card starts with YAML front matter");
  const fm = parseYaml(m[1]);
  assert.ok("license" in fm, "a license field for the user to fill");
  assert.ok(fm.task_categories.includes("question-answering"));
  assert.ok(fm.tags.includes("reinforcement-learning"));
  assert.deepEqual(fm.dataset_info.splits, [
    { name: "train", num_examples: summary.rows.train },
    { name: "test", num_examples: summary.rows.test },
  ]);
  // The data files each split names exist, and are exactly the shards written.
  for (const { split, path } of fm.configs[0].data_files) {
    const re = new RegExp(`^${path.replace(/\*/g, ".*")}$`);
    const matched = shards.map((f) => `data/${f}`).filter((f) => re.test(f));
    assert.deepEqual(matched, shards.filter((f) => f.startsWith(`${split}-`)).map((f) => `data/${f}`));
  }
  // Features name every column with the type the Parquet reader sees.
  const features = Object.fromEntries(fm.dataset_info.features.map((f: any) => [f.name, f]));
  const parquetTypes = await schema(join(opts.out, "data", shards[1]));
  assert.deepEqual(Object.keys(features), Object.keys(parquetTypes));
  for (const [name, f] of Object.entries<any>(features)) assert.equal(parquetTypes[name], duckType(f), name);
  // Every shard read back, row counts add up, source text inlined.
  let total = 0;
  for (const f of shards) {
    const rs = await rows(join(opts.out, "data", f));
    total += rs.length;
    for (const r of rs) assert.equal(r.source_text, info.docText!.get(r.doc_id));
  }
  assert.equal(total, PAIRS);

  // The body: distributions, funnel, models, citation.
  for (const [domain, n] of Object.entries(info.domains)) assert.ok(card.includes(`| ${domain} | ${n.toLocaleString("en-US")} |`), domain);
  assert.match(card, /## Personas[\s\S]*\| curious student \| \d+/);
  assert.match(card, /\| documents read \| [\d,]+ \|/);
  assert.match(card, /\| pairs accepted by the verifier \| 1,200 \|/);
  for (const [stage, model] of Object.entries(SYNTHETIC_MODELS)) assert.ok(card.includes(`| ${stage} | \`${model}\` |`));
  assert.match(card, /@article\{cen2025webscalerl,[\s\S]*arXiv:2510\.06499/);

  // A rerun replaces this export's own shards (never mixing old and new); shards no export wrote are refused.
  const before = readdirSync(join(opts.out, "data")).sort();
  await exportDataset({ ...opts });
  assert.deepEqual(readdirSync(join(opts.out, "data")).sort(), before);
  writeFileSync(join(opts.out, "data", "train-old.parquet"), "");
  await assert.rejects(exportDataset({ ...opts }), /already holds Parquet shards that no export wrote/, "never mixes foreign shards with new ones");
});

/** The DuckDB type of a Hugging Face feature as the Hub's YAML writes it. */
function duckType(f: any): string {
  const scalar: Record<string, string> = { string: "VARCHAR", int64: "BIGINT", bool: "BOOLEAN", float64: "DOUBLE" };
  const struct = (fields: any[]) => `STRUCT(${fields.map((x) => `${x.name} ${duckType(x)}`).join(", ")})`;
  if (f.dtype) return scalar[f.dtype]!;
  if (f.struct) return struct(f.struct);
  if (Array.isArray(f.list)) return `${struct(f.list)}[]`;
  return typeof f.list === "string" ? `${scalar[f.list]}[]` : `${duckType(f.list)}[]`;
}

test("nested struct columns read back the same with the Parquet writer's sibling reader (hyparquet)", async () => {
  const { parquetReadObjects } = await import("hyparquet");
  const opts = await options({ format: "verl", testSize: parseTestSize("10") });
  await exportDataset(opts);
  const buf = readFileSync(join(opts.out, "test.parquet"));
  const objs = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) });
  const duck = await rows(join(opts.out, "test.parquet"));
  assert.equal(objs.length, 10);
  objs.forEach((o: any, i) => {
    assert.deepEqual(o.prompt, duck[i].prompt);
    assert.equal(o.extra_info.id, duck[i].extra_info.id);
    assert.equal(o.extra_info.index, BigInt(i));
  });
});

test("configuration errors stop before any work", async () => {
  const empty = mkdtempSync(join(root, "empty-"));
  await assert.rejects(exportDataset(await options({ format: "verl", dir: empty })), /has no qa\/ folder/);
  await assert.rejects(exportDataset(await options({ format: "verl", fileFormat: "jsonl" })), /only trl lets you choose/);
  const noDocs = join(root, "nodocs");
  makeSyntheticRun(noDocs, { pairs: 10, withDocuments: false });
  await assert.rejects(exportDataset(await options({ format: "trl", dir: noDocs, includeSourceText: true })), /--include-source-text/);
  await assert.rejects(resolvePolicyPrompt("@/nonexistent/template.txt"), /cannot read the file/);
  const emptyQa = join(root, "emptyqa");
  makeSyntheticRun(emptyQa, { pairs: 0, badLines: 2 });
  const out = join(root, "never");
  await assert.rejects(exportDataset(await options({ format: "verl", dir: emptyQa, out })), /holds no valid QA pairs \(2 malformed/);
  assert.ok(!existsSync(out), "nothing written");
});
