/**
 * The local engine end to end on real GGUF files: a tiny random-weight llama the suite writes
 * itself, and ../shared/data/models/llama-2-tiny-random.gguf where it exists. Random weights
 * write gibberish, so the tests assert what must hold anyway: every reply validates, token
 * counts are positive and add up, the context limit is enforced.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { LlmConfig } from "../src/config/schema.js";
import { createLocalClient, planSequences, toGrammarSchema } from "../src/llm/local-engine.js";
import { LlmError, type LlmClient } from "../src/llm/types.js";
import { makeTinyGguf } from "./support/make-tiny-gguf.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sharedModel = path.resolve(repoRoot, "../shared/data/models/llama-2-tiny-random.gguf");

// Two stage-like schemas: a verdict, and a classification with a short list.
const Verdict = z.object({ keep: z.boolean(), reason: z.string().max(16) });
const Topic = z.object({ domain: z.enum(["Math", "Coding", "Other"]), keywords: z.array(z.string().max(8)).min(1).max(3) });

const doc = "The mitochondria is the powerhouse of the cell. It produces ATP through oxidative phosphorylation.";

async function exercise(client: LlmClient): Promise<void> {
  assert.ok(client.maxConcurrency > 0, "the engine offers at least one slot");
  const calls = [
    { stage: "filter", schema: Verdict, schemaName: "filter_verdict" },
    { stage: "identify", schema: Topic, schemaName: "topic" },
    { stage: "filter", schema: Verdict, schemaName: "filter_verdict" },
    { stage: "identify", schema: Topic, schemaName: "topic" },
  ] as const;
  const results = await Promise.all(
    calls.map((c, i) =>
      client.complete({
        stage: c.stage,
        schema: c.schema as z.ZodType,
        schemaName: c.schemaName,
        messages: [
          { role: "system", content: "You label documents. Reply with JSON." },
          { role: "user", content: `${doc}\n\nTask ${i}: label this document.` },
        ],
        sampling: { max_tokens: 96, temperature: 0.7, seed: i },
      }),
    ),
  );
  let prompt = 0;
  let completion = 0;
  for (const [i, r] of results.entries()) {
    const parsed = calls[i]!.schema.safeParse(JSON.parse(r.raw));
    assert.ok(parsed.success, `reply ${i} validates: ${r.raw}`);
    assert.deepEqual(r.value, parsed.data);
    assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0, `reply ${i} has token counts`);
    assert.ok(r.usage.cached_prompt_tokens <= r.usage.prompt_tokens);
    assert.equal(r.model, client.modelFor(calls[i]!.stage));
    prompt += r.usage.prompt_tokens;
    completion += r.usage.completion_tokens;
  }
  const stats = client.stats();
  assert.equal(stats.prompt_tokens, prompt);
  assert.equal(stats.completion_tokens, completion);
  assert.equal(stats.requests - stats.retries, calls.length);
  assert.equal(stats.errors, 0);
  const stages = Object.values(stats.by_stage);
  assert.deepEqual(Object.keys(stats.by_stage).sort(), ["filter", "identify"]);
  assert.equal(stages.reduce((a, s) => a + s.prompt_tokens, 0), stats.prompt_tokens);
  assert.equal(stages.reduce((a, s) => a + s.completion_tokens, 0), stats.completion_tokens);
  assert.equal(Object.values(stats.by_model).reduce((a, s) => a + s.requests, 0), stats.requests);

  // A prompt larger than the context is the document's problem, not the run's.
  await assert.rejects(
    client.complete({
      stage: "generate",
      schema: Verdict,
      schemaName: "filter_verdict",
      messages: [{ role: "user", content: "word ".repeat(3000) }],
      sampling: { max_tokens: 32 },
    }),
    (err: unknown) => err instanceof LlmError && err.code === "context_length",
  );
  assert.equal(client.stats().by_stage.generate?.errors, 1);
}

function localConfig(modelFile: string, extra: Record<string, unknown> = {}): LlmConfig {
  return LlmConfig.parse({ engine: "local", modelFile, ...extra });
}

// One thread: the test runner runs files in parallel on 2 cores, and llama.cpp's spinning
// worker threads crawl when they have to share cores.
const engineOpts = { threads: 1, gpu: false as const, contextSize: 1024 };

test("local engine on a generated tiny llama GGUF: replies validate, tokens add up", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wsrl-gguf-"));
  try {
    const file = path.join(dir, "tiny-llama.gguf");
    makeTinyGguf(file);
    const logs: string[] = [];
    // Two sequences: requests decode side by side in one batch.
    const client = await createLocalClient(localConfig(file), { ...engineOpts, sequences: 2, log: (m) => logs.push(m) });
    try {
      assert.ok(logs.some((l) => l.startsWith("local engine: tiny-llama")), logs.join("\n"));
      assert.equal(client.modelFor("filter"), "tiny-llama");
      assert.equal(client.maxConcurrency, 2);
      await exercise(client);
    } finally {
      await client.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("local engine on ../shared/data/models/llama-2-tiny-random.gguf", async (t) => {
  if (!existsSync(sharedModel)) {
    t.skip(`${sharedModel} not found: the shared test data is not next to this checkout`);
    return;
  }
  const client = await createLocalClient(localConfig(sharedModel, { defaults: { model: "tiny-random" } }), engineOpts);
  try {
    assert.equal(client.modelFor("check"), "tiny-random");
    await exercise(client);
  } finally {
    await client.close();
  }
});

test("the configured concurrency caps the sequences; aborts and closed clients; a missing model file is a config error", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wsrl-gguf-"));
  try {
    const file = path.join(dir, "tiny.gguf");
    makeTinyGguf(file, { layers: 1 });
    const client = await createLocalClient(localConfig(file, { concurrency: 1 }), engineOpts);
    assert.equal(client.maxConcurrency, 1);
    const ctrl = new AbortController();
    ctrl.abort();
    await assert.rejects(
      client.complete({ stage: "filter", schema: Verdict, schemaName: "filter_verdict", messages: [{ role: "user", content: doc }], signal: ctrl.signal }),
      (err: unknown) => err instanceof LlmError && err.code === "aborted",
    );
    await client.close();
    await assert.rejects(
      client.complete({ stage: "filter", schema: Verdict, schemaName: "filter_verdict", messages: [{ role: "user", content: doc }] }),
      (err: unknown) => err instanceof LlmError && err.code === "aborted",
    );
    await assert.rejects(
      createLocalClient(localConfig(path.join(dir, "nope.gguf")), engineOpts),
      (err: unknown) => err instanceof LlmError && err.code === "config" && /does not exist/.test(err.message) && /--model-file/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("planSequences: one per core on a CPU, bounded by memory", () => {
  const gb = 1024 ** 3;
  assert.equal(planSequences({ cores: 8, freeBytes: 16 * gb, perSequenceBytes: 0.25 * gb, gpu: false }), 8);
  assert.equal(planSequences({ cores: 8, freeBytes: 1 * gb, perSequenceBytes: 0.25 * gb, gpu: false }), 3);
  assert.equal(planSequences({ cores: 8, freeBytes: 0.1 * gb, perSequenceBytes: 0.25 * gb, gpu: false }), 1);
  assert.equal(planSequences({ cores: 2, freeBytes: 24 * gb, perSequenceBytes: 0.25 * gb, gpu: true }), 16);
  assert.equal(planSequences({ cores: 8, freeBytes: 16 * gb, perSequenceBytes: 0.25 * gb, gpu: false, cap: 2 }), 2);
});

test("toGrammarSchema keeps what the grammar can enforce and drops the rest", () => {
  const schema = z.object({
    n: z.number().int().min(1).max(5),
    tag: z.string().regex(/^[a-z]+$/).max(10),
    either: z.union([z.string().max(3), z.number()]),
    any: z.unknown(),
  });
  const g = toGrammarSchema(z.toJSONSchema(schema, { io: "input" })) as Record<string, any>;
  assert.equal(g.type, "object");
  assert.equal(g.additionalProperties, false);
  assert.deepEqual(g.properties.n, { type: "integer" });
  assert.deepEqual(g.properties.tag, { type: "string", maxLength: 10 });
  assert.deepEqual(g.properties.either, { oneOf: [{ type: "string", maxLength: 3 }, { type: "number" }] });
  assert.deepEqual(g.properties.any.type, ["string", "number", "boolean", "null"]);
  assert.ok(!("$schema" in g));
});
