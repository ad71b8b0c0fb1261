/** `webscale-rl cache stats|prune` as a real process, on a cache filled through the model layer from the fake server. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import { createLlmClient } from "../src/llm/index.js";
import { startFakeOpenAI } from "./support/fake-openai-server.js";
import { llmConfig, docMessages } from "./support/llm-config.js";
import { cli, ok } from "./support/cli.js";
import { tempDir } from "./support/pipeline-harness.js";

const Reply = z.object({ answer: z.string() });

test("cache stats counts what a run stored; prune evicts to a size, by age, or all; a missing folder is said so", async () => {
  const fake = await startFakeOpenAI();
  const dir = join(tempDir(), "cache");
  try {
    const llm = await createLlmClient(llmConfig(fake.url, { cache: { enabled: true, dir } }));
    for (let i = 0; i < 30; i++) {
      await llm.complete({ stage: i < 10 ? "filter" : "check", messages: docMessages(`Document ${i}: ${"text ".repeat(30)}`), schema: Reply, schemaName: "reply", sampling: { temperature: 0 } });
    }
    await llm.close();

    const stats = JSON.parse((await ok(["cache", "stats", "--cache", dir, "--json"])).stdout);
    assert.equal(stats.entries, 30);
    assert.deepEqual(stats.by_stage, { filter: 10, check: 20 });
    assert.deepEqual(stats.by_model, { "fake-model": 30 });
    assert.ok(stats.prompt_tokens > 0 && stats.bytes > 0);
    // The environment names the folder as for `run`.
    assert.match((await ok(["cache", "stats"], { ...process.env, WEBSCALE_RL_CACHE: dir })).stdout, /30 replies/);

    const half = Math.floor(stats.bytes / 2);
    assert.match((await ok(["cache", "prune", "--cache", dir, "--max-gb", String(half / 1024 ** 3)])).stdout, /^Removed \d+ replies/);
    const after = JSON.parse((await ok(["cache", "stats", "--cache", dir, "--json"])).stdout);
    assert.ok(after.bytes <= half && after.entries < 30 && after.entries > 0, JSON.stringify(after));

    await ok(["cache", "prune", "--cache", dir, "--older-than", "1"]);
    assert.equal(JSON.parse((await ok(["cache", "stats", "--cache", dir, "--json"])).stdout).entries, after.entries, "all used today: none older than a day");
    await ok(["cache", "prune", "--cache", dir, "--all"]);
    assert.equal(JSON.parse((await ok(["cache", "stats", "--cache", dir, "--json"])).stdout).entries, 0);

    const nothing = cli(["cache", "prune", "--cache", dir]);
    assert.equal(await nothing.exited, 2);
    assert.match(nothing.stderr(), /say what to remove: --max-gb N, --older-than DAYS or --all/);
    assert.match((await ok(["cache", "stats", "--cache", join(dir, "none")])).stdout, /No response cache at .*none yet/);
  } finally {
    await fake.close();
  }
});
