import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startFakeOpenAI } from "./support/fake-openai-server.js";
import { buildJudge } from "../src/reward/judge-config.js";
import { Scorer } from "../src/reward/score.js";
import { startRewardServer } from "../src/reward/server.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const integrations = path.join(repoRoot, "integrations");

function hasPython(): boolean {
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

// The Python snippets run as verl and TRL would call them, against a real reward server:
// verl's legacy managers call compute_score / compute_score_batch, its reward loop awaits
// compute_score_async; TRL calls the reward function with dataset columns as keyword arguments
// (and awaits the async one). extra_info and the columns are what `webscale-rl export` writes.
const SCRIPT = `
import asyncio, json, sys
sys.path.insert(0, ${JSON.stringify(integrations)})
import importlib.util
spec = importlib.util.spec_from_file_location("custom_module", ${JSON.stringify(path.join(integrations, "verl_reward.py"))})
verl = importlib.util.module_from_spec(spec); spec.loader.exec_module(verl)
from trl_reward import webscale_reward, webscale_reward_async
strokes = {"question": "Which strokes does the engine have?", "aliases": [], "ordered": True}
async def verl_loop():
  return await asyncio.gather(
    verl.compute_score_async("webscale", "<answer>1200 kilometers</answer>", "1,200 km", {"question": "How far?"}),
    verl.compute_score_async("webscale", "<answer>compression, intake, power, exhaust</answer>", "intake, compression, power, exhaust", strokes),
    verl.compute_score_async("webscale", "<answer>intake, compression, power, exhaust</answer>", "intake, compression, power, exhaust", strokes),
  )
out = {
  "verl_one": verl.compute_score("webscale", "Thinking...\\n<answer>1200 kilometers</answer>", "1,200 km", {"question": "How far?"}),
  "verl_wrong": verl.compute_score("webscale", "<answer>12</answer>", "120"),
  "verl_aliases": verl.compute_score("webscale", "<answer>Allium cepa</answer>", ["Onion", "Allium cepa"]),
  "verl_extra_aliases": verl.compute_score("webscale", "<answer>Allium cepa</answer>", "Onion", {"question": "Which bulb?", "aliases": ["Allium cepa"], "ordered": None}),
  "verl_batch": verl.compute_score_batch(["a", "b"], ["<answer>Paris</answer>", "<answer>Lyon</answer>"], ["Paris", "Paris"], [None, {"question": "Capital?"}]),
  "verl_loop": asyncio.run(verl_loop()),
  "trl": webscale_reward(
    prompts=[[{"role": "user", "content": "Capital of France?"}], "Year?"],
    completions=[[{"role": "assistant", "content": "<answer>Paris</answer>"}], "Final answer: 1909"],
    ground_truth=["Paris", "1990"]),
  "trl_aliases": webscale_reward(completions=["<answer>NYC</answer>"], ground_truth=["New York City"], aliases=[["NYC"]]),
  "trl_async": asyncio.run(webscale_reward_async(
    prompts=["p1", "p2"],
    completions=["<answer>compression, intake, power, exhaust</answer>", "<answer>intake, compression, power, exhaust</answer>"],
    ground_truth=["intake, compression, power, exhaust"] * 2, question=["Which strokes?"] * 2, ordered=[True, True], answer_type=["list", "list"], trainer_state=None)),
}
try:
  webscale_reward(completions=["x"])
except ValueError as e:
  out["trl_error"] = str(e)
print(json.dumps(out))
`;

test("integrations: verl (legacy and reward loop) and TRL (sync and async) reward functions call the server", async (t) => {
  if (!hasPython()) return t.skip("python3 not installed: the Python integration snippets cannot run");
  const server = await startRewardServer({ scorer: new Scorer(), port: 0 });
  try {
    const { stdout } = await promisify(execFile)("python3", ["-c", SCRIPT], { env: { ...process.env, WEBSCALE_RL_REWARD_URL: server.url } });
    const out = JSON.parse(stdout);
    assert.deepEqual(out.verl_one, { score: 1, rule_decided: 1, judge_decided: 0 });
    assert.equal(out.verl_wrong.score, 0);
    assert.equal(out.verl_aliases.score, 1);
    assert.equal(out.verl_extra_aliases.score, 1);
    assert.deepEqual(out.verl_batch, [1, 0]);
    // The order flag from extra_info: a permutation of a sequence is wrong, the sequence right.
    assert.deepEqual(out.verl_loop.map((r: any) => r.score), [1, 0, 1]);
    assert.deepEqual(out.trl, [1, 0]);
    assert.deepEqual(out.trl_aliases, [1]);
    assert.deepEqual(out.trl_async, [0, 1]);
    assert.match(out.trl_error, /ground_truth/);
    const stats = (await (await fetch(`${server.url}/stats`)).json()) as any;
    assert.equal(stats.server.score, 11, "one POST per call, batches included");
  } finally {
    await server.close();
  }
});

test("integrations: a failing judge raises in Python, never a reward of 0", async (t) => {
  if (!hasPython()) return t.skip("python3 not installed: the Python integration snippets cannot run");
  const fake = await startFakeOpenAI({ handlers: { judge_verdict: () => ({ equivalent: true }) } });
  fake.addFault({ kind: "401", times: Infinity });
  const judge = (await buildJudge({ baseUrl: fake.url, model: "fake-model", maxRetries: 0 }))!;
  const server = await startRewardServer({ scorer: new Scorer({ judge }), port: 0 });
  try {
    const script = `import sys; sys.path.insert(0, ${JSON.stringify(integrations)})
from trl_reward import webscale_reward
try:
  print(webscale_reward(completions=["<answer>New York</answer>"], ground_truth=["New York City"], question=["Which city?"]))
except RuntimeError as e:
  print("raised:", e)`;
    const { stdout } = await promisify(execFile)("python3", ["-c", script], { env: { ...process.env, WEBSCALE_RL_REWARD_URL: server.url, WEBSCALE_RL_REWARD_ATTEMPTS: "2" } });
    assert.match(stdout, /^raised: .*502.*judge_failed/);
    const stats = (await (await fetch(`${server.url}/stats`)).json()) as any;
    assert.equal(stats.server.judge_failed, 2, "retried once, then raised");
  } finally {
    await server.close();
    await judge.client.close();
    await fake.close();
  }
});

test("integrations: an unreachable server is a clear Python error", async (t) => {
  if (!hasPython()) return t.skip("python3 not installed: the Python integration snippets cannot run");
  const script = `import sys; sys.path.insert(0, ${JSON.stringify(integrations)})
from webscale_reward_client import score_items
try:
  score_items([{"ground_truth": "a", "response": "a"}], timeout=2, attempts=1)
except RuntimeError as e:
  print(e)`;
  const { stdout } = await promisify(execFile)("python3", ["-c", script], { env: { ...process.env, WEBSCALE_RL_REWARD_URL: "http://127.0.0.1:9" } });
  assert.match(stdout, /unreachable/);
});
