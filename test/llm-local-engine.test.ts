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
import { planThreads } from "../src/llm/threads.js";
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

const system = "You label documents. Reply with JSON.";
const docA = "The tide rises twice a day because the moon pulls the oceans toward it, and the earth turns beneath that bulge of water. ".repeat(3);
const docB = "A sourdough starter is flour and water in which wild yeast and bacteria grow; it is fed daily and kept at room temperature. ".repeat(3);

/** One call on a document, laid out as the pipeline lays them out: system message, document, task line. */
const ask = (client: LlmClient, text: string, task: string) =>
  client.complete({
    stage: "filter",
    schema: Verdict,
    schemaName: "filter_verdict",
    messages: [
      { role: "system", content: system },
      { role: "user", content: `<document>\n${text}\n</document>\n\nTask: ${task}.` },
    ],
    sampling: { max_tokens: 96, temperature: 0, seed: 1 },
  });
const evaluated = (u: { prompt_tokens: number; cached_prompt_tokens: number }) => u.prompt_tokens - u.cached_prompt_tokens;

/** Each GGUF the prefix tests run on: one the suite writes, and the shared tiny llama-2 (its real 32k vocabulary) when present. */
async function withModels(t: { diagnostic: (m: string) => void }, body: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wsrl-gguf-"));
  try {
    const file = path.join(dir, "tiny-llama.gguf");
    makeTinyGguf(file, { layers: 1 });
    await body(file);
    if (existsSync(sharedModel)) await body(sharedModel);
    else t.diagnostic(`${sharedModel} not found: only the generated GGUF was used`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The prefix a document's first call leaves in its sequence serves its second call: counted by
 * the engine's token meter (cached_prompt_tokens = prompt tokens the sequence did not evaluate
 * again). Calls go one after another, A, B, A, on two sequences: without affinity, B takes the
 * sequence A just released and A's document is evaluated again.
 */
test("local engine: a document's second call reuses the prefix its first call left, by the token meter", async (t) => {
  await withModels(t, async (file) => {
    const run = async (affinity: boolean) => {
      const client = await createLocalClient(localConfig(file), { ...engineOpts, sequences: 2, affinity });
      try {
        const a1 = await ask(client, docA, "FILTER");
        const b1 = await ask(client, docB, "FILTER");
        const a2 = await ask(client, docA, "CLASSIFY");
        return { a1: a1.usage, b1: b1.usage, a2: a2.usage, stats: client.stats() };
      } finally {
        await client.close();
      }
    };

    const on = await run(true);
    assert.equal(on.a1.cached_prompt_tokens, 0, "the first call meets an empty sequence");
    assert.equal(on.b1.cached_prompt_tokens, 0, "B takes the other, empty sequence instead of evicting A");
    assert.ok(on.a2.cached_prompt_tokens > 0.8 * on.a2.prompt_tokens, `A's second call found its document in place: ${JSON.stringify(on.a2)}`);
    assert.ok(evaluated(on.a2) < 0.2 * on.a1.prompt_tokens, `and evaluated only its task line: ${evaluated(on.a2)} of ${on.a2.prompt_tokens}`);
    assert.equal(on.stats.cached_prompt_tokens, on.a1.cached_prompt_tokens + on.b1.cached_prompt_tokens + on.a2.cached_prompt_tokens);

    const off = await run(false);
    assert.ok(off.a2.cached_prompt_tokens < 0.5 * off.a2.prompt_tokens, `without affinity A's document is evaluated again: ${JSON.stringify(off.a2)}`);
  });
});

/**
 * A document's sibling calls (one per persona) arrive together, with another document's first
 * call: the siblings go, one after the other, to the sequence that holds their document, and
 * the new document takes the empty one. The document is prefilled once, not once per sibling.
 * Without affinity the free list hands the second sibling the empty sequence, which evaluates
 * the whole document again. Where the first sibling and the new document go is decided when all
 * three are queued (one event-loop turn); the second sibling waits for its document's sequence,
 * unless the new document finishes first and would leave its sequence idle (then it goes there:
 * a throughput rule), which depends on the machine's speed, so only the first is asserted.
 */
test("local engine: siblings sent together with a new document prefill their document once", async (t) => {
  await withModels(t, async (file) => {
    const run = async (affinity: boolean) => {
      const client = await createLocalClient(localConfig(file), { ...engineOpts, sequences: 2, affinity });
      try {
        const a1 = await ask(client, docA, "IDENTIFY");
        const [g1, g2, b1] = await Promise.all([ask(client, docA, "WRITE for persona 1"), ask(client, docA, "WRITE for persona 2"), ask(client, docB, "FILTER")]);
        return { a1: a1.usage, g1: g1.usage, g2: g2.usage, b1: b1.usage, stats: client.stats() };
      } finally {
        await client.close();
      }
    };

    const on = await run(true);
    const reused = [on.g1, on.g2].filter((g) => evaluated(g) < 0.2 * g.prompt_tokens);
    assert.ok(reused.length >= 1, `a sibling evaluated only its task line: ${JSON.stringify([on.g1, on.g2])}`);
    assert.equal(on.b1.cached_prompt_tokens, 0, "the new document took the empty sequence, evicting nothing");
    const sent = on.stats.prompt_tokens;
    assert.equal(sent, on.a1.prompt_tokens + on.g1.prompt_tokens + on.g2.prompt_tokens + on.b1.prompt_tokens);

    const off = await run(false);
    assert.ok(
      Math.max(evaluated(off.g1), evaluated(off.g2)) > 0.8 * off.g1.prompt_tokens,
      `without affinity one sibling evaluates the document again: ${JSON.stringify([off.g1, off.g2])}`,
    );
    assert.ok(off.stats.cached_prompt_tokens <= on.stats.cached_prompt_tokens);
  });
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

test("planThreads: the cores other work leaves idle, at least one; WEBSCALE_RL_THREADS overrides", () => {
  assert.equal(planThreads({ cores: 2, load: 0.2 }).threads, 2, "an idle laptop: all cores");
  assert.equal(planThreads({ cores: 2, load: 1 }).threads, 1, "one core busy elsewhere");
  assert.equal(planThreads({ cores: 2, load: 15 }).threads, 1, "a loaded machine: one thread, never zero");
  assert.equal(planThreads({ cores: 8, load: 3.4 }).threads, 5);
  assert.match(planThreads({ cores: 2, load: 15 }).why, /load 15\.0/);
  assert.deepEqual(planThreads({ cores: 2, load: 15, env: "2" }), { threads: 2, why: "WEBSCALE_RL_THREADS" });
  assert.equal(planThreads({ cores: 2, load: 0, env: "zero" }).threads, 2, "a value that is not a count is ignored");
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
