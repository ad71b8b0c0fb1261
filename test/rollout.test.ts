/**
 * `webscale-rl rollout` against the fake server, whose policy answers each pair's question
 * right with a planned probability (test/support/rollout-fixture.ts): pass rates exactly as
 * planned, the same records with `n`, with a server that refuses it and with one that ignores
 * it, several models on their own servers, the judge for undecided samples (with its cache),
 * a kill -9 mid-run that resumes to the same records with no sample counted twice, and
 * configuration errors that stop before any work.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLlmClient } from "../src/llm/index.js";
import { resolvePolicyPrompt } from "../src/export/policy-prompt.js";
import { Scorer } from "../src/reward/score.js";
import { buildJudge } from "../src/reward/judge-config.js";
import { runRollout } from "../src/rollout/run-rollout.js";
import { stageOf, type RolloutSettings } from "../src/rollout/settings.js";
import type { QaRecord } from "../src/records.js";
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "./support/fake-openai-server.js";
import { llmConfig } from "./support/llm-config.js";
import { readJsonl, tempDir } from "./support/pipeline-harness.js";
import { cli, ok, until } from "./support/cli.js";
import { PLAN, plannedPairs, plannedPolicy, UNDECIDED_FORM, writeRun, type PlannedPair } from "./support/rollout-fixture.js";

const K = 8;

async function settings(models = ["fake-model"], extra: Partial<RolloutSettings> = {}): Promise<RolloutSettings> {
  return { models, samples: K, temperature: 1, maxTokens: 256, seed: 0, prompt: await resolvePolicyPrompt(), keepOutputs: false, ...extra };
}

/** One rollout through the library, on a fresh client; returns the records written. */
async function rolloutOn(fake: FakeOpenAI, inputs: string[], out: string, opts: { settings?: RolloutSettings; judge?: boolean; concurrency?: number } = {}) {
  const s = opts.settings ?? (await settings());
  const logs: string[] = [];
  const llm = await createLlmClient(llmConfig(fake.url, { stages: Object.fromEntries(s.models.map((m) => [stageOf(m), { model: m }])), concurrency: opts.concurrency ?? 64, timeoutMs: 120_000 }), { log: (m) => logs.push(m) });
  const judge = opts.judge ? await buildJudge({ baseUrl: fake.url, model: "judge-model", timeoutMs: 120_000 }) : undefined;
  try {
    const res = await runRollout({ inputs, out, settings: s, llm, scorer: new Scorer({ judge }), log: (m) => logs.push(m) });
    return { res, records: readJsonl<QaRecord>(join(out, "qa")), logs };
  } finally {
    await judge?.client.close();
    await llm.close();
  }
}

function fixture(n: number, prefix?: string): { dir: string; run: string; pairs: PlannedPair[] } {
  const dir = tempDir("wsrl-rollout-");
  const pairs = plannedPairs(n, prefix);
  writeRun(join(dir, "run"), pairs, 20);
  return { dir, run: join(dir, "run"), pairs };
}

const qaText = (out: string) =>
  readdirSync(join(out, "qa"))
    .sort()
    .map((f) => readFileSync(join(out, "qa", f), "utf8"))
    .join("");

test("pass rates are exactly the planned ones; every input pair is kept, with its fields and one entry per model", { timeout: 120_000 }, async (t) => {
  const { dir, run, pairs } = fixture(45);
  // A broken line in the input: a counted rejection, the other pairs go on.
  appendFileSync(join(run, "qa", "part-main-00001.jsonl"), "{not json\n");
  const fake = await startFakeOpenAI({ policy: plannedPolicy(pairs) });
  t.after(() => fake.close());
  const { res, records } = await rolloutOn(fake, [run], join(dir, "out"));

  assert.equal(records.length, pairs.length);
  records.forEach((r, i) => {
    const p = pairs[i]!;
    const { rollout, ...fields } = r;
    assert.deepEqual(fields, p.rec, "the pair's own fields are unchanged");
    assert.equal(rollout!.length, 1);
    const e = rollout![0]!;
    assert.equal(e.model, "fake-model");
    assert.equal(e.samples, K);
    assert.equal(e.pass_rate, p.passRate, `pair ${i}: planned ${p.passRate}`);
    assert.equal(e.correct, p.passRate * K);
    assert.equal(e.undecided, p.undecided, `pair ${i}: undecided`);
    assert.equal(e.answers.length, K);
    assert.equal(e.answers.filter((a) => a === p.rec.answer).length, e.correct, "answers are the extracted final answers");
    assert.equal(e.verdicts.filter((v) => v === "match").length, e.correct);
    assert.equal(e.verdicts.filter((v) => v === "undecided").length, e.undecided);
    assert.deepEqual([e.temperature, e.max_tokens, e.seed, e.truncated, e.outputs], [1, 256, 0, 0, undefined]);
  });
  const rejected = readJsonl(join(dir, "out", "rejected"));
  assert.equal(rejected.length, 1);
  assert.equal(rejected[0].reason, "input.invalid_pair");

  const r = res.stats.rollout as any;
  assert.equal(r.pairs_written, 45);
  assert.equal(r.bad_lines, 1);
  assert.equal(r.samples, 45 * K);
  assert.equal(r.sample_requests, 45, "one request per pair with n");
  const m = r.models["fake-model"];
  assert.equal(m.correct, pairs.reduce((n, p) => n + p.passRate * K, 0));
  assert.equal(m.never_solved, pairs.filter((p) => p.passRate === 0).length);
  assert.equal(m.always_solved, pairs.filter((p) => p.passRate === 1).length);
  assert.equal(m.mean_pass_rate, Math.round((pairs.reduce((n, p) => n + p.passRate, 0) / 45) * 1e4) / 1e4);
  assert.equal(res.stats.llm.by_stage[stageOf("fake-model")]!.requests, 45, "the rollout's requests are added to the inputs' llm stats");
  const runJson = JSON.parse(readFileSync(join(dir, "out", "run.json"), "utf8"));
  assert.equal(runJson.command, "rollout");
  assert.equal(runJson.status, "complete");
  assert.equal(runJson.pinned.samples, K);
});

test("with n, with a server that refuses n and with one that ignores it: the same records; the prompt paid once per pair with n", { timeout: 180_000 }, async (t) => {
  const { dir, run, pairs } = fixture(27);
  const outs: Record<string, { text: string; stats: any }> = {};
  for (const n of ["supported", "refused", "ignored"] as const) {
    const fake = await startFakeOpenAI({ policy: plannedPolicy(pairs), n });
    t.after(() => fake.close());
    const { res } = await rolloutOn(fake, [run], join(dir, n));
    outs[n] = { text: qaText(join(dir, n)), stats: res.stats.rollout };
  }
  assert.equal(outs.refused!.text, outs.supported!.text);
  assert.equal(outs.ignored!.text, outs.supported!.text);
  assert.equal(outs.supported!.stats.sample_requests, 27);
  assert.equal(outs.refused!.stats.sample_requests, 27 * K);
  assert.equal(outs.ignored!.stats.sample_requests, 27 * K);
  // The same prompt K times without n, once with it.
  assert.equal(outs.supported!.stats.prompt_tokens * K, outs.ignored!.stats.prompt_tokens);
  assert.equal(outs.supported!.stats.prompt_tokens_per_sample * K, outs.ignored!.stats.prompt_tokens_per_sample);
});

test("several models (a weak one and a strong one on its own server): one entry each, in the order given; a later rollout adds a model and keeps the others", { timeout: 180_000 }, async (t) => {
  const { dir, run, pairs } = fixture(18);
  // The strong model's server solves each pair more often: planned rate shifted by 3 steps, capped at 1.
  const strongPlan = pairs.map((p, i) => ({ ...p, answer: { ...p.answer, p: PLAN[Math.min(PLAN.length - 1, (i % PLAN.length) + 3)]! } }));
  const weak = await startFakeOpenAI({ policy: plannedPolicy(pairs), model: "weak" });
  const strong = await startFakeOpenAI({ policy: plannedPolicy(strongPlan), model: "strong" });
  t.after(() => weak.close());
  t.after(() => strong.close());

  const out = join(dir, "two");
  await ok(["rollout", run, "--out", out, "--model", "weak", "--model", "strong", "--base-url", weak.url, "--model-base-url", `strong=${strong.url}`, "--max-tokens", "256", "--no-progress"]);
  const records = readJsonl<QaRecord>(join(out, "qa"));
  records.forEach((r, i) => {
    assert.deepEqual(r.rollout!.map((e) => e.model), ["weak", "strong"]);
    assert.equal(r.rollout![0]!.pass_rate, pairs[i]!.passRate);
    assert.equal(r.rollout![1]!.pass_rate, Math.floor(8 * strongPlan[i]!.answer.p + 1e-9) / 8);
  });
  assert.equal(weak.requests.filter((q) => q.path === "/v1/chat/completions").length, 18);
  assert.equal(strong.requests.filter((q) => q.path === "/v1/chat/completions").length, 18, "the strong model's pairs went to its own server");

  // A third model later, on the rollout's own output: the two entries stay, the new one follows.
  const third = await startFakeOpenAI({ policy: plannedPolicy(pairs), model: "third" });
  t.after(() => third.close());
  const { records: again } = await rolloutOn(third, [out], join(dir, "three"), { settings: await settings(["third"]) });
  again.forEach((r, i) => {
    assert.deepEqual(r.rollout!.map((e) => e.model), ["weak", "strong", "third"]);
    assert.deepEqual(r.rollout![0], records[i]!.rollout![0]);
  });
});

test("the judge decides what the rules leave undecided, once per distinct answer (cached), and a failing judge leaves the pair for the next run", { timeout: 120_000 }, async (t) => {
  const { dir, run, pairs } = fixture(18);
  const fake = await startFakeOpenAI({
    policy: plannedPolicy(pairs),
    // The judge knows that the undecided form names the right answer.
    handlers: { judge_verdict: (ctx) => ({ equivalent: ctx.userText.includes(`Response: ${UNDECIDED_FORM}`) }) },
  });
  t.after(() => fake.close());
  const { res, records } = await rolloutOn(fake, [run], join(dir, "judged"), { judge: true });
  records.forEach((r, i) => {
    const e = r.rollout![0]!;
    assert.equal(e.undecided, 0);
    assert.equal(e.correct, pairs[i]!.passRate * K + pairs[i]!.undecided, `pair ${i}`);
  });
  const withUndecided = pairs.filter((p) => p.undecided > 0).length;
  const judgeCalls = fake.requests.filter((q) => q.schemaName === "judge_verdict").length;
  assert.equal(judgeCalls, withUndecided, "one judge call per pair: its undecided samples share one answer");
  const judge = (res.stats.rollout as any).judge;
  assert.equal(judge.calls, withUndecided);
  assert.equal(judge.cache_hits + judge.inflight_joins, pairs.reduce((n, p) => n + p.undecided, 0) - withUndecided);

  // A judge that fails is no reward of 0: those pairs are not written, and the next run does them.
  const failing = await startFakeOpenAI({ policy: plannedPolicy(pairs) });
  t.after(() => failing.close());
  failing.addFault({ kind: "500", times: Infinity, match: (ctx) => ctx.schemaName === "judge_verdict" });
  const out = join(dir, "failing");
  const first = await rolloutOn(failing, [run], out, { judge: true });
  assert.equal(first.res.failedPairs, withUndecided);
  assert.equal(first.records.length, 18 - withUndecided);
  assert.equal(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).status, "stopped");
  failing.clearFaults();
  const second = await rolloutOn(fake, [run], out, { judge: true });
  assert.equal(second.res.failedPairs, 0);
  assert.equal(second.records.length, 18);
  assert.equal((second.res.stats.rollout as any).samples, 18 * K, "each pair's samples counted once");
});

test("--keep-outputs keeps the raw samples; a question over the model's context is kept without a pass rate", { timeout: 120_000 }, async (t) => {
  const { dir, run, pairs } = fixture(9);
  const long = plannedPairs(1, "long")[0]!;
  long.rec.question = `${"Consider the long preamble again. ".repeat(120)}${long.rec.question}`;
  appendFileSync(join(run, "qa", "part-main-00000.jsonl"), JSON.stringify(long.rec) + "\n");
  const fake = await startFakeOpenAI({ policy: plannedPolicy(pairs), contextTokens: 600 });
  t.after(() => fake.close());
  const { res, records } = await rolloutOn(fake, [run], join(dir, "out"), { settings: await settings(["fake-model"], { keepOutputs: true, maxTokens: 64 }) });
  assert.equal(records.length, 10);
  const kept = records.find((r) => r.id === long.rec.id)!;
  assert.equal(kept.rollout, undefined, "no entry: the question did not fit");
  for (const r of records.filter((x) => x.id !== long.rec.id)) {
    assert.equal(r.rollout![0]!.outputs!.length, K);
    assert.ok(r.rollout![0]!.outputs!.every((o) => o.includes("<answer>")));
  }
  assert.equal((res.stats.rollout as any).models["fake-model"].context_overflow, 1);
});

// --- the command, as a process ----------------------------------------------------------

/** Runs the command to its end (any exit code). */
async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = cli(args);
  const code = await r.exited;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

function committedPairs(out: string): number {
  const f = join(out, "state", "checkpoint-rollout.json");
  if (!existsSync(f)) return 0;
  try {
    return (JSON.parse(readFileSync(f, "utf8")) as { tally: { written: number } }).tally.written;
  } catch {
    return 0;
  }
}

/** A fake server that answers `answer` chat requests, then holds every later one (a kill then lands mid-run, whatever the machine's speed). */
async function holdingServer(opts: FakeOpenAIOptions, answer: number): Promise<FakeOpenAI> {
  let answered = 0;
  return startFakeOpenAI({
    ...opts,
    beforeReply: () => (++answered > answer ? new Promise<void>(() => {}) : undefined),
  });
}

test("kill -9 mid-run, twice, then rerun: the same records as an uninterrupted run, no sample counted twice", { timeout: 300_000 }, async (t) => {
  const { dir, run, pairs } = fixture(40);
  const args = (out: string, url: string) => ["rollout", run, "--out", out, "--base-url", url, "--model", "fake-model", "--max-tokens", "256", "--concurrency", "24", "--no-progress"];

  const ref = await startFakeOpenAI({ policy: plannedPolicy(pairs) });
  t.after(() => ref.close());
  await ok(args(join(dir, "ref"), ref.url));

  const out = join(dir, "killed");
  let killedAt = 0;
  for (const hold of [9, 12]) {
    const fake = await holdingServer({ policy: plannedPolicy(pairs) }, hold);
    const r = cli(args(out, fake.url));
    // A commit that holds more pairs than the last session left (the server holds the rest).
    await until(() => {
      if (r.child.exitCode !== null) assert.fail(`the rollout ended before it could be killed: ${r.stderr()}`);
      return committedPairs(out) > killedAt;
    }, "a commit with new pairs");
    r.child.kill("SIGKILL");
    await r.exited;
    killedAt = committedPairs(out);
    assert.ok(killedAt < 40, "killed before the end");
    if (hold === 12) assert.match(r.stderr(), /Resuming .*: \d+ pairs and \d+ samples already done/);
    await fake.close();
  }

  const fake = await startFakeOpenAI({ policy: plannedPolicy(pairs) });
  t.after(() => fake.close());
  await ok(args(out, fake.url));
  assert.equal(qaText(out), qaText(join(dir, "ref")), "the same records, in the same order");
  const ids = readJsonl<QaRecord>(join(out, "qa")).map((r) => r.id);
  assert.equal(new Set(ids).size, 40);
  const r = JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).rollout;
  const refStats = JSON.parse(readFileSync(join(dir, "ref", "stats.json"), "utf8")).rollout;
  assert.equal(r.samples, 40 * K, "no sample counted twice");
  assert.equal(r.pairs_written, 40);
  assert.deepEqual(r.models, refStats.models);
  assert.equal(r.sessions, 3);
});

test("configuration problems stop before any work with one line", { timeout: 120_000 }, async (t) => {
  const { dir, run: runDir, pairs } = fixture(4);
  const fake = await startFakeOpenAI({ policy: plannedPolicy(pairs) });
  t.after(() => fake.close());
  const base = ["--base-url", fake.url, "--model", "fake-model", "--no-progress"];
  const cases: [string[], RegExp][] = [
    [["rollout", join(dir, "nope"), "--out", join(dir, "o1"), ...base], /input .*nope does not exist/],
    [["rollout", dir, "--out", join(dir, "o2"), ...base], /is not a run, curated or rollout directory \(it has no qa\/ folder\)/],
    [["rollout", runDir, "--out", runDir, ...base], /is also an input/],
    [["rollout", runDir, "--out", join(dir, "o3"), ...base, "--samples", "0"], /--samples takes a whole number ≥ 1/],
    [["rollout", runDir, "--out", join(dir, "o4"), ...base, "--temperature", "3"], /--temperature must be between 0 and 2/],
    [["rollout", runDir, "--out", join(dir, "o5"), ...base, "--model-base-url", "other=http://x/v1"], /--model-base-url names other, which is not one of the --model values/],
  ];
  mkdirSync(join(dir, "foreign"));
  writeFileSync(join(dir, "foreign", "notes.txt"), "mine");
  cases.push([["rollout", runDir, "--out", join(dir, "foreign"), ...base], /exists and is not empty \(and not an earlier rollout to resume\)/]);
  for (const [args, message] of cases) {
    const before = fake.requests.length;
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    assert.equal(fake.requests.length, before, "no request");
  }
  for (const o of ["o1", "o2", "o3", "o4", "o5"]) assert.ok(!existsSync(join(dir, o)), `${o} not created`);

  // The policy's server is asked for its model list first: a refused key, an unknown model or
  // nothing listening is one line with the fix, nothing written, no sample asked.
  const keyed = await startFakeOpenAI({ apiKey: "right-key", policy: plannedPolicy(pairs) });
  t.after(() => keyed.close());
  const server: [string[], RegExp][] = [
    [["--base-url", keyed.url, "--model", "fake-model", "--api-key", "wrong-key"], /rejected the API key \(HTTP 401 .*\): give the right key with --api-key/],
    [["--base-url", keyed.url, "--model", "other-model", "--api-key", "right-key"], /does not serve the model "other-model" \(used by rollout:other-model\); it serves: fake-model: pass --model/],
    [["--base-url", "http://127.0.0.1:9/v1", "--model", "fake-model"], /cannot reach the model server at http:\/\/127\.0\.0\.1:9\/v1/],
  ];
  for (const [flags, message] of server) {
    const r = await runCli(["rollout", runDir, "--out", join(dir, "o6"), "--no-progress", ...flags]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(!existsSync(join(dir, "o6")), "nothing written");
  }
  assert.equal(keyed.requests.filter((q) => q.path.endsWith("/chat/completions")).length, 0, "no sample asked");

  // A finished rollout resumed with other settings is refused, naming the difference.
  await ok(["rollout", runDir, "--out", join(dir, "done"), ...base]);
  const other = await runCli(["rollout", runDir, "--out", join(dir, "done"), ...base, "--samples", "16"]);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /holds a rollout made with other settings \(samples: 8 → 16\)/);
});
