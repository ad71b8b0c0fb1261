/**
 * `webscale-rl rollout` under issue 16's one-writer rules: one rollout at a time per output
 * (`.lock-rollout`, a held lock refused in one line naming its holder, a dead one taken over),
 * incomplete inputs refused unless allowIncomplete (with a note), and its run.json status read
 * by the completion check, so curate/export/report judge a rollout output like a curated one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLlmClient } from "../src/llm/index.js";
import { resolvePolicyPrompt } from "../src/export/policy-prompt.js";
import { Scorer } from "../src/reward/score.js";
import { runRollout } from "../src/rollout/run-rollout.js";
import { stageOf, type RolloutSettings } from "../src/rollout/settings.js";
import { completionOf, IncompleteInputError } from "../src/io/completion.js";
import { acquireLock, LockHeldError } from "../src/io/output-lock.js";
import { startFakeOpenAI, type FakeOpenAI } from "./support/fake-openai-server.js";
import { llmConfig } from "./support/llm-config.js";
import { tempDir } from "./support/pipeline-harness.js";
import { plannedPairs, plannedPolicy, writeRun } from "./support/rollout-fixture.js";

async function settings(): Promise<RolloutSettings> {
  return { models: ["fake-model"], samples: 2, temperature: 1, maxTokens: 64, seed: 0, prompt: await resolvePolicyPrompt(), keepOutputs: false };
}

async function rollout(fake: FakeOpenAI, inputs: string[], out: string, allowIncomplete = false) {
  const s = await settings();
  const logs: string[] = [];
  const llm = await createLlmClient(llmConfig(fake.url, { stages: { [stageOf("fake-model")]: { model: "fake-model" } }, concurrency: 16 }), { log: (m) => logs.push(m) });
  try {
    const res = await runRollout({ inputs, out, settings: s, llm, scorer: new Scorer({}), allowIncomplete, log: (m) => logs.push(m) });
    return { res, logs };
  } finally {
    await llm.close();
  }
}

test("rollout: one writer per output, incomplete inputs refused unless allowed, its status read by the completion check", { timeout: 120_000 }, async (t) => {
  const dir = tempDir("wsrl-rollout-lock-");
  const pairs = plannedPairs(6, "lk");
  const run = join(dir, "run");
  writeRun(run, pairs);
  const fake = await startFakeOpenAI({ policy: plannedPolicy(pairs) });
  t.after(() => fake.close());
  const out = join(dir, "out");

  // A held lock: refused, naming the holder; nothing written.
  const held = await acquireLock(out, "rollout", { command: "webscale-rl rollout" });
  await assert.rejects(rollout(fake, [run], out), (e: unknown) => e instanceof LockHeldError && /\.lock-rollout is held by .*only one writer at a time/.test(e.message));
  held.release();

  // The synthetic run has no completion marker: read as it is, with a note.
  const first = await rollout(fake, [run], out);
  assert.equal(first.res.stoppedBy, undefined);
  assert.ok(first.logs.some((l) => /^rollout: note: .*no completion marker/.test(l)), first.logs.join("\n"));
  assert.equal(completionOf(out).complete, true, "a finished rollout is complete");

  // A rollout that stopped is an incomplete input for the next command (here: another rollout).
  const manifest = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
  writeFileSync(join(out, "run.json"), JSON.stringify({ ...manifest, status: "stopped", reason: "pairs failed" }));
  const c = completionOf(out);
  assert.equal(c.complete, false);
  assert.match(c.why, /unfinished rollout \(it stopped: pairs failed\)/);
  assert.match(c.fix, /rerun the same `webscale-rl rollout` command \(it resumes\)/);
  await assert.rejects(rollout(fake, [out], join(dir, "out2")), (e: unknown) => e instanceof IncompleteInputError && /--allow-incomplete/.test(e.message));
  const allowed = await rollout(fake, [out], join(dir, "out2"), true);
  assert.ok(allowed.logs.some((l) => /^rollout: note: .*reading it anyway \(--allow-incomplete\)/.test(l)), allowed.logs.join("\n"));
  // Killed (status running, no live holder of the lock): interrupted.
  writeFileSync(join(out, "run.json"), JSON.stringify({ ...manifest, status: "running" }));
  assert.match(completionOf(out).why, /interrupted rollout/);
});
