/**
 * `webscale-rl estimate` as a real process: against the real `run` on the example corpus
 * through the fake server (requests and tokens counted at the server), without a server at all,
 * on inputs it must extrapolate, with prices, and with bad input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parquetWriteFile } from "hyparquet-writer";
import { Stats } from "../src/records.js";
import { startStageServer, tempDir, REPO_ROOT } from "./support/pipeline-harness.js";
import { startSimServer } from "./support/sim-server.js";
import { cli, errorLines, ok, readJson, stackLines } from "./support/cli.js";
import { seededRandom } from "../src/util/random.js";

const INPUTS = [join(REPO_ROOT, "examples/corpus.jsonl"), join(REPO_ROOT, "examples/notes")];
/** A server no one listens on: the estimate must never need one. */
const NOWHERE = ["--base-url", "http://127.0.0.1:9/v1"];
const within = (estimate: number, real: number, share: number) => Math.abs(estimate - real) <= share * real;

async function estimate(args: string[], env?: NodeJS.ProcessEnv): Promise<any> {
  return JSON.parse((await ok(["estimate", ...args, "--json"], env)).stdout);
}

for (const plan of ["paper", "efficient"] as const) {
  test(`--plan ${plan}: estimate --like a real run of the example corpus is within 15 % of its requests and tokens; it sends nothing and writes nothing`, async () => {
    const fake = await startStageServer();
    const dir = tempDir();
    const out = join(dir, "run");
    const flags = ["--base-url", fake.url, "--model", "fake-model", "--plan", plan, "--concurrency", "4"];
    const chat = () => fake.requests.filter((r) => r.path.endsWith("/chat/completions"));
    try {
      await ok(["run", ...INPUTS, "--out", out, "--progress", "none", ...flags]);
      const sent = chat();
      const real = { requests: sent.length, tokens: sent.reduce((n, r) => n + r.promptTokens + r.completionTokens, 0) };
      const stats = Stats.parse(readJson(join(out, "stats.json")));

      // The same command line, run → estimate, --out included: ignored, never created.
      const ignored = join(dir, "estimate-out");
      const like = cli(["estimate", ...INPUTS, "--out", ignored, ...flags, "--json", "--like", out]);
      assert.equal(await like.exited, 0, like.stderr());
      assert.match(like.stderr(), /estimate writes nothing: --out .* is ignored/);
      const e = JSON.parse(like.stdout());
      assert.equal(chat().length, real.requests, "estimate sent a request to the model server");
      assert.equal(existsSync(ignored), false, "estimate wrote to --out");

      assert.equal(e.plan, plan);
      assert.equal(e.documents, stats.documents_read);
      assert.equal(e.units, stats.funnel.prefilter_passed);
      assert.ok(within(e.requests, real.requests, 0.15), `requests: estimated ${e.requests}, the run sent ${real.requests}`);
      const tokens = e.prompt_tokens + e.completion_tokens;
      assert.ok(within(tokens, real.tokens, 0.15), `tokens: estimated ${tokens}, the run used ${real.tokens}`);
      assert.ok(within(e.pairs, stats.funnel.pairs_accepted, 0.15), `pairs: estimated ${e.pairs}, the run accepted ${stats.funnel.pairs_accepted}`);
      assert.equal(e.assumptions.source, out);

      // The paper's funnel instead of the run's: a projection of its own, not the run's figures.
      // The fake filter keeps more documents than the paper's assumed 60 %, so fewer requests are
      // projected; what each request costs is the same prompts, so tokens per request agree.
      const p = await estimate([...INPUTS, ...flags]);
      assert.equal(p.assumptions.source, "paper");
      assert.equal(p.units, e.units, "the sample (prefilter, windows) does not depend on the funnel");
      const first = plan === "paper" ? "filter" : "filter_identify";
      assert.equal(p.stages[first].requests, p.units, "every unit gets its first call");
      assert.equal(p.stages[first].requests, sent.filter((r) => r.schemaName === (plan === "paper" ? "filter_verdict" : "filter_identify_result")).length);
      assert.ok(p.requests > p.units && p.requests <= p.units * (plan === "paper" ? 2 + 3 * 3 : 4), `requests ${p.requests} for ${p.units} units`);
      assert.ok(p.requests < real.requests && p.requests > real.requests / 2, `paper funnel: ${p.requests} requests, the run sent ${real.requests}`);
      const perRequest = (t: number, n: number) => t / n;
      assert.ok(within(perRequest(p.prompt_tokens, p.requests), perRequest(sent.reduce((n, r) => n + r.promptTokens, 0), real.requests), 0.15), "prompt tokens per request");
      assert.ok(Math.abs(p.pairs - 1.2 * p.units) <= 0.05 * p.units + 1, `the paper's 1.2 pairs per document: ${p.pairs} for ${p.units} units`);
      // The sums hold together, and the cache can serve only part of the prompts.
      const stages = Object.values(p.stages) as any[];
      assert.equal(p.requests, stages.reduce((n, s) => n + s.requests, 0));
      assert.equal(p.prompt_tokens, stages.reduce((n, s) => n + s.prompt_tokens, 0));
      assert.ok(p.cached_prompt_tokens > 0 && p.uncached_prompt_tokens > 0 && p.cached_prompt_tokens + p.uncached_prompt_tokens === p.prompt_tokens);
      assert.equal(chat().length, real.requests, "estimate sent a request to the model server");
    } finally {
      await fake.close();
    }
  });
}

test("cached prompt tokens: within 10 % of what a prefix-caching server served the real run, both plans", async () => {
  for (const plan of ["paper", "efficient"] as const) {
    // The simulated vLLM-like server (docs/performance.md): block-level prefix cache, no latency.
    // One request at a time, so what the cache holds when a request comes does not depend on the machine's speed.
    const sim = await startSimServer({ overheadMs: 0, prefillMsPer1k: 0, decodeMsPerToken: 0, documentPersonas: false });
    try {
      const out = join(tempDir(), "run");
      const flags = ["--base-url", sim.url, "--model", "fake-model", "--plan", plan, "--concurrency", "1"];
      await ok(["run", ...INPUTS, "--out", out, "--progress", "none", ...flags]);
      const served = await sim.gauges();
      const e = await estimate([...INPUTS, ...flags, "--like", out]);
      assert.equal((await sim.gauges()).requests, served.requests, "estimate sent a request to the model server");
      assert.ok(within(e.cached_prompt_tokens, served.cached_tokens, 0.1), `${plan}: estimated ${e.cached_prompt_tokens} cached, the server served ${served.cached_tokens}`);
      // The uncached rest is mostly each document once, plus what follows it: the pairs, whose typical size differs from the fake's (docs/cost.md).
      assert.ok(within(e.uncached_prompt_tokens, served.uncached_tokens, 0.25), `${plan}: estimated ${e.uncached_prompt_tokens} uncached, the server prefilled ${served.uncached_tokens}`);
    } finally {
      await sim.close();
    }
  }
});

/** A corpus of `n` documents of 60–400 words from a large vocabulary (so that gzip cannot squeeze it into the probe). */
function syntheticDocs(n: number): { id: string; text: string }[] {
  const rand = seededRandom(7);
  const vocabulary = Array.from({ length: 4000 }, (_, i) => `w${(i * 2654435761) % 1000003}${String.fromCharCode(97 + (i % 26))}`);
  return Array.from({ length: n }, (_, d) => {
    const words = Array.from({ length: 60 + Math.floor(rand() * 340) }, () => vocabulary[Math.floor(rand() * vocabulary.length)]!);
    const sentences: string[] = [];
    for (let i = 0; i < words.length; i += 12) sentences.push(words.slice(i, i + 12).join(" ") + ` measured ${Math.floor(rand() * 1000)} units.`);
    return { id: `doc-${d}`, text: sentences.join(" ") };
  });
}

test("documents are counted where cheap (JSONL, Parquet) and extrapolated from the size of a .gz within 10 %", async () => {
  const dir = tempDir();
  const docs = syntheticDocs(6000);
  const lines = docs.map((d) => JSON.stringify(d)).join("\n") + "\n";
  writeFileSync(join(dir, "plain.jsonl"), lines);
  writeFileSync(join(dir, "packed.jsonl.gz"), gzipSync(lines));
  parquetWriteFile({
    filename: join(dir, "shard.parquet"),
    columnData: [
      { name: "id", data: docs.slice(0, 500).map((d) => d.id), type: "STRING" },
      { name: "text", data: docs.slice(0, 500).map((d) => d.text), type: "STRING" },
    ],
  });
  const flags = [...NOWHERE, "--model", "m", "--sample", "40"];

  const gz = await estimate([join(dir, "packed.jsonl.gz"), ...flags]);
  assert.equal(gz.documents_how, "extrapolated");
  assert.equal(gz.inputs[0].how, "extrapolated");
  assert.ok(within(gz.documents, 6000, 0.1), `extrapolated ${gz.documents} documents of 6000`);
  assert.equal(gz.sample.documents, 40);
  // Units scale with the documents (none is prefiltered or split here).
  assert.equal(gz.units, gz.documents);

  const counted = await estimate([join(dir, "plain.jsonl"), join(dir, "shard.parquet"), ...flags]);
  assert.equal(counted.documents_how, "counted");
  assert.deepEqual(counted.inputs.map((i: any) => [i.documents, i.how]), [[6000, "counted"], [500, "counted"]]);
  assert.equal(counted.documents, 6500);
  // --limit bounds the documents as it bounds a run.
  assert.equal((await estimate([join(dir, "plain.jsonl"), ...flags, "--limit", "1000"])).documents, 1000);
});

test("prefilter and windows apply as in run: long documents make several units, past --max-windows one counted rejection", async () => {
  const dir = tempDir();
  // One short document, two of twelve different paragraphs (repeated ones would be prefiltered as repetition).
  const paragraphs = syntheticDocs(25).map((d) => d.text);
  const long = [paragraphs.slice(0, 1), paragraphs.slice(1, 13), paragraphs.slice(13, 25)].map((p, i) => ({ id: `long-${i}`, text: p.join("\n\n") }));
  writeFileSync(join(dir, "long.jsonl"), long.map((d) => JSON.stringify(d)).join("\n") + "\n" + JSON.stringify({ id: "tiny", text: "too short" }) + "\n");
  const e = await estimate([join(dir, "long.jsonl"), ...NOWHERE, "--model", "m", "--max-doc-tokens", "300", "--max-windows", "4", "--plan", "efficient"]);
  assert.equal(e.documents, 4);
  assert.equal(e.sample.rejected["prefilter.too_short"], 1);
  assert.equal(e.sample.rejected["prefilter.too_many_windows"], 2, "the two long documents are cut at 4 windows");
  assert.ok(e.units > 8 && e.units <= 1 * 2 + 2 * 4, `units: ${e.units}`);
  assert.equal(e.stages.filter_identify.requests, e.units);

  // --doc-overflow truncate: one window per document, nothing left over.
  const t = await estimate([join(dir, "long.jsonl"), ...NOWHERE, "--model", "m", "--max-doc-tokens", "300", "--doc-overflow", "truncate", "--plan", "efficient"]);
  assert.equal(t.units, 3);
  assert.equal(t.sample.rejected["prefilter.too_many_windows"], undefined);
});

test("prices: --price adds and overrides, per-stage models from the config, a model without a price is cost unknown; --json shape", async () => {
  const dir = tempDir();
  const config = join(dir, "wsrl.yaml");
  writeFileSync(config, "llm:\n  stages:\n    check: { model: gpt-4.1-nano }\n    answerable: { model: judge-model }\n");
  const base = [INPUTS[0]!, ...NOWHERE, "--model", "gpt-4.1-mini", "--sample", "10"];

  const builtin = await estimate([...base, "--config", config]);
  for (const key of ["documents", "units", "requests", "prompt_tokens", "cached_prompt_tokens", "completion_tokens", "pairs", "cost_usd", "stages", "models", "assumptions", "inputs", "sample"]) {
    assert.ok(key in builtin, `--json has ${key}`);
  }
  assert.equal(builtin.stages.check.model, "gpt-4.1-nano");
  assert.equal(builtin.stages.generate.model, "gpt-4.1-mini");
  assert.deepEqual(builtin.models["gpt-4.1-nano"].price, { input: 0.1, output: 0.4 });
  assert.equal(builtin.models["judge-model"].cost_usd, null);
  assert.equal(builtin.cost_usd, null, "one model without a price: the total is unknown, not a partial sum");
  assert.deepEqual(builtin.unpriced, ["judge-model"]);
  const human = (await ok(["estimate", ...base, "--config", config])).stdout;
  assert.match(human, /judge-model .*no price\s+unknown/);
  assert.match(human, /Cost unknown: no price for judge-model; pass --price/);

  const priced = await estimate([...base, "--config", config, "--price", "judge-model=1/2", "--price", "gpt-4.1-mini=10/20"]);
  assert.deepEqual(priced.models["gpt-4.1-mini"].price, { input: 10, output: 20 }, "--price overrides the built-in table");
  const m = priced.models["judge-model"];
  assert.ok(Math.abs(m.cost_usd - (m.prompt_tokens * 1 + m.completion_tokens * 2) / 1e6) < 1e-9);
  const sum = Object.values(priced.models).reduce((n: number, x: any) => n + x.cost_usd, 0);
  assert.ok(Math.abs(priced.cost_usd - sum) < 1e-9 && priced.cost_usd > 0);
  assert.equal(priced.requests, builtin.requests, "prices change no count");
  const budget = (await ok(["estimate", ...base, "--config", config, "--price", "judge-model=1/2", "--price", "gpt-4.1-mini=10/20", "--max-cost", String(priced.cost_usd / 4)])).stdout;
  assert.match(budget, /--max-cost \S+ would stop the run after about 25 % of it/);
});

test("with nothing named, the local engine's defaults apply as in run, its model is named, nothing is downloaded, the cost is unknown; a model named without a server is estimated", async () => {
  const env = { ...process.env };
  delete env.OPENAI_BASE_URL;
  delete env.OPENAI_API_KEY;
  const e = await estimate([INPUTS[0]!, "--sample", "5"], env);
  assert.equal(e.plan, "efficient");
  assert.equal(e.assumptions.personas_per_doc, 2);
  assert.deepEqual(Object.keys(e.models), ["qwen2.5-1.5b-instruct-q4_k_m"]);
  assert.equal(e.cost_usd, null);

  // A hosted model named without a server: run would stop for the server, estimate needs only the name.
  const named = cli(["estimate", INPUTS[0]!, "--sample", "5", "--model", "gpt-4.1-mini", "--json"], env);
  assert.equal(await named.exited, 0, named.stderr());
  assert.match(named.stderr(), /No model server given: estimating anyway/);
  const n = JSON.parse(named.stdout());
  assert.equal(n.plan, "paper");
  assert.ok(n.cost_usd > 0);
});

test("bad input, config or flags: one line, a non-zero exit, no stack trace", async () => {
  const dir = tempDir();
  mkdirSync(join(dir, "empty-run"));
  writeFileSync(join(dir, "notes.csv"), "a,b\n");
  const cases: [string[], RegExp][] = [
    [[join(dir, "missing.jsonl")], /no input files match .*missing\.jsonl/],
    [[join(dir, "notes.csv")], /unsupported input file/],
    [[INPUTS[0]!, "--like", join(dir, "empty-run")], /--like .*empty-run: no stats\.json there/],
    [[INPUTS[0]!, "--price", "gpt-4.1=cheap"], /--price takes MODEL=IN\/OUT/],
    [[INPUTS[0]!, "--sample", "0"], /--sample takes a whole number/],
    [[INPUTS[0]!, "--text-field", "body"], /text field/i],
  ];
  for (const [args, message] of cases) {
    const r = cli(["estimate", ...args, ...NOWHERE, "--model", "m"]);
    const code = await r.exited;
    assert.notEqual(code, 0, `${args.join(" ")}: exit ${code}`);
    assert.deepEqual(stackLines(r.stderr()), [], r.stderr());
    const errors = errorLines(r.stderr());
    assert.equal(errors.length, 1, r.stderr());
    assert.match(errors[0]!, message);
    assert.equal(r.stdout(), "");
  }
});

test("estimate --help names what it does and the run's flags", async () => {
  const help = (await ok(["estimate", "--help"])).stdout;
  for (const flag of ["--sample", "--like", "--json", "--plan", "--price", "--max-windows", "--config", "--model"]) assert.ok(help.includes(flag), `--help lists ${flag}`);
  assert.match(help, /never contacted/);
});
