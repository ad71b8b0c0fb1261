import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
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

// The Python snippets run as verl and TRL would call them, against a real reward server.
const SCRIPT = `
import json, sys
sys.path.insert(0, ${JSON.stringify(integrations)})
import importlib.util
spec = importlib.util.spec_from_file_location("custom_module", ${JSON.stringify(path.join(integrations, "verl_reward.py"))})
verl = importlib.util.module_from_spec(spec); spec.loader.exec_module(verl)
from trl_reward import webscale_reward
out = {
  "verl_one": verl.compute_score("webscale", "Thinking...\\n<answer>1200 kilometers</answer>", "1,200 km", {"question": "How far?"}),
  "verl_wrong": verl.compute_score("webscale", "<answer>12</answer>", "120"),
  "verl_aliases": verl.compute_score("webscale", "<answer>Allium cepa</answer>", ["Onion", "Allium cepa"]),
  "verl_batch": verl.compute_score_batch(["a", "b"], ["<answer>Paris</answer>", "<answer>Lyon</answer>"], ["Paris", "Paris"], [None, None]),
  "trl": webscale_reward(
    prompts=[[{"role": "user", "content": "Capital of France?"}], "Year?"],
    completions=[[{"role": "assistant", "content": "<answer>Paris</answer>"}], "Final answer: 1909"],
    ground_truth=["Paris", "1990"]),
  "trl_aliases": webscale_reward(completions=["<answer>NYC</answer>"], ground_truth=["New York City"], aliases=[["NYC"]]),
}
try:
  webscale_reward(completions=["x"])
except ValueError as e:
  out["trl_error"] = str(e)
print(json.dumps(out))
`;

test("integrations: verl compute_score and the TRL reward function call the server", async (t) => {
  if (!hasPython()) return t.skip("python3 not installed: the Python integration snippets cannot run");
  const server = await startRewardServer({ scorer: new Scorer(), port: 0 });
  try {
    const { stdout } = await promisify(execFile)("python3", ["-c", SCRIPT], { env: { ...process.env, WEBSCALE_RL_REWARD_URL: server.url } });
    const out = JSON.parse(stdout);
    assert.equal(out.verl_one, 1);
    assert.equal(out.verl_wrong, 0);
    assert.equal(out.verl_aliases, 1);
    assert.deepEqual(out.verl_batch, [1, 0]);
    assert.deepEqual(out.trl, [1, 0]);
    assert.deepEqual(out.trl_aliases, [1]);
    assert.match(out.trl_error, /ground_truth/);
    const stats = (await (await fetch(`${server.url}/stats`)).json()) as any;
    assert.equal(stats.server.score, 6, "one POST per call, batches included");
  } finally {
    await server.close();
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
