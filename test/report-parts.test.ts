/** The report's pieces without a browser: escaping, CSP hash, prices, sampling, embeddings, the CLI. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { jsonForScript, escapeHtml } from "../src/report/escape.js";
import { BROWSER_SCRIPT } from "../src/report/browser-script.js";
import { CSP } from "../src/report/page.js";
import { builtinPrice, estimateCost, parsePrice } from "../src/report/prices.js";
import { lexicalEmbed } from "../src/report/lexical-embed.js";
import { remoteEmbed } from "../src/report/remote-embed.js";
import { meanPairwiseDistance, toMatrix, kmeans, clusterCoverage } from "../src/report/diversity.js";
import { stratify, passageAround } from "../src/report/collect.js";
import { Reservoir, seededRandom } from "../src/util/random.js";
import { assertPlainSvg, barChart, renderVegaLite } from "../src/report/charts.js";
import { buildReport } from "../src/report/build.js";
import { startFakeOpenAI } from "./support/fake-openai-server.js";
import { makeReportRun } from "./support/report-fixture.js";
import { cliArgv } from "./support/cli-command.js";

test("embedded JSON cannot end its script block and round-trips", () => {
  const value = { s: "</script><!--<script>x</script> & \u2028" };
  const text = jsonForScript(value);
  assert.ok(!text.includes("<") && !text.includes(">"));
  assert.deepEqual(JSON.parse(text), value);
  assert.equal(escapeHtml(`<img src=x onerror="a('b')">&`), "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;");
});

test("the CSP allows exactly the page's script by hash", () => {
  const hash = createHash("sha256").update(BROWSER_SCRIPT).digest("base64");
  assert.ok(CSP.includes(`script-src 'sha256-${hash}'`));
  assert.ok(CSP.startsWith("default-src 'none'"));
});

test("prices: flag parsing, built-in lookup, cost per 1,000 accepted pairs", () => {
  assert.deepEqual(parsePrice("in=2,out=8"), { input: 2, output: 8 });
  assert.throws(() => parsePrice("2,8"), /in=2,out=8/);
  assert.deepEqual(builtinPrice("openai/gpt-4.1-mini-2025-04-14"), { input: 0.4, output: 1.6 });
  const c = { requests: 1, retries: 0, errors: 0, prompt_tokens: 1_000_000, completion_tokens: 500_000, cached_prompt_tokens: 0 };
  const est = estimateCost({ "gpt-4.1": c, "my-local": c }, 2000, { kind: "builtin-per-model" });
  assert.equal(est.total, undefined);
  assert.deepEqual(est.unpriced, ["my-local"]);
  const flat = estimateCost({ "gpt-4.1": c, "my-local": c }, 2000, { kind: "flat", price: { input: 1, output: 2 }, label: "x" });
  assert.equal(flat.total, 4);
  assert.equal(flat.perThousandAccepted, 2);
});

test("stratified map sample: proportional, every domain visible, within budget", () => {
  const random = seededRandom(1);
  const byDomain = new Map<string, Reservoir<string>>();
  for (const [d, n] of [["big", 10_000], ["mid", 1000], ["tiny", 20]] as const) {
    const r = new Reservoir<string>(1000, random);
    for (let i = 0; i < n; i++) r.add(`${d} ${i}`);
    byDomain.set(d, r);
  }
  const pts = stratify(byDomain, 1000);
  const count = (d: string) => pts.filter((p) => p.group === d).length;
  assert.ok(pts.length <= 1000);
  assert.equal(count("tiny"), 20);
  assert.ok(count("big") > 5 * count("mid"));
});

test("lexical embedding: deterministic unit vectors; similar questions are closer", () => {
  const texts = ["What year did the bridge open?", "In what year did the bridge open to traffic?", "How many protons does carbon have?"];
  const [a, b, c] = lexicalEmbed(texts);
  const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0);
  assert.ok(Math.abs(dot(a, a) - 1) < 1e-5);
  assert.ok(dot(a, b) > dot(a, c));
  assert.deepEqual(lexicalEmbed(texts)[0], a);
  const m = toMatrix([a, a, a], 1);
  assert.ok(Math.abs(meanPairwiseDistance(m, [0, 1, 2])!) < 1e-5);
});

test("cluster coverage counts a cluster only with a real presence", () => {
  const cov = clusterCoverage([0, 0, 0, 1, 1, 1, 2], ["x", "x", "x", "x", "x", "x", "y"], 3);
  assert.equal(cov.get("x"), 2 / 3);
  assert.equal(cov.get("y"), 1 / 3);
  const m = toMatrix(lexicalEmbed(["a b", "a b", "c d", "c d"]), 1);
  const assign = kmeans(m, 2, 1);
  assert.equal(assign[0], assign[1]);
  assert.notEqual(assign[0], assign[2]);
});

test("passage is centred on the answer", () => {
  const text = "x ".repeat(2000) + "THE ANSWER 1887 " + "y ".repeat(2000);
  const p = passageAround(text, "answer 1887", 300);
  assert.ok(p.includes("THE ANSWER 1887"));
  assert.ok(p.length < 320);
});

test("chart SVG escapes data text and is checked for stray elements", async () => {
  const svg = await renderVegaLite(barChart({ values: [{ k: "<script>x</script>", n: 1 }, { k: '<img src=x onerror="y">', n: 2 }], category: "k", value: "n", title: "t" }));
  assert.ok(svg.includes("&lt;script&gt;") && !svg.includes("<script") && !svg.includes("<img"));
  assert.throws(() => assertPlainSvg("<svg><foreignObject></foreignObject></svg>"), /foreignObject/);
});

test("embeddings from an OpenAI-compatible endpoint, batched", async (t) => {
  const fake = await startFakeOpenAI();
  t.after(() => fake.close());
  const vecs = await remoteEmbed(["one", "two", "three", "four", "five"], { baseUrl: fake.url, model: "emb", batchSize: 2 });
  assert.equal(vecs.length, 5);
  assert.equal(fake.requests.filter((r) => r.path === "/v1/embeddings").length, 3);
  await assert.rejects(remoteEmbed(["x"], { baseUrl: `${fake.url}/nope`, model: "emb", apiKey: "sk-secret-123", retries: 0 }), (e: Error) => !e.message.includes("sk-secret"));

  const dir = mkdtempSync(join(tmpdir(), "wsrl-report-emb-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  makeReportRun(join(dir, "run"), 120);
  const s = await buildReport({ runDir: join(dir, "run"), out: join(dir, "r.html"), embed: { baseUrl: fake.url, model: "emb" } });
  assert.match(s.embedding, /^emb via /);
  assert.ok(readFileSync(join(dir, "r.html"), "utf8").includes("emb via"));
});

test("CLI: report with --compare and --price writes one page and says what it did", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "wsrl-report-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  makeReportRun(join(dir, "run"), 150);
  const cmp = join(dir, "other.jsonl");
  writeFileSync(cmp, Array.from({ length: 60 }, (_, i) => JSON.stringify({ question: `What is the capital of country ${i}?` })).join("\n") + "\nnot json\n");
  const out = execFileSync(process.execPath, cliArgv(["report", join(dir, "run"), "--out", join(dir, "r.html"), "--compare", cmp, "--price", "in=1,out=2"]), {
    encoding: "utf8",
  });
  assert.match(out, /wrote .*r\.html .* 151 accepted/);
  const page = readFileSync(join(dir, "r.html"), "utf8");
  assert.ok(page.includes("compare: other.jsonl"));
  assert.ok(page.includes("1 lines without a question skipped"));
  assert.ok(page.includes("--price in=1,out=2"));
  assert.throws(() => execFileSync(process.execPath, cliArgv(["report", join(dir, "run"), "--price", "cheap"]), { stdio: "pipe" }), /in=2,out=8/);
});


