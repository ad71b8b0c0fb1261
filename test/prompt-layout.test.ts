/**
 * The prompt layout the token economy rests on (docs/performance.md): one handbook as the
 * system message of every call, then the document, then only what differs per call. Checked
 * on the prompts the pipeline really sends, and on what a prefix-caching server then prefills.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveRunConfig } from "../src/config/load.js";
import { createLlmClient } from "../src/llm/index.js";
import { runPipeline } from "../src/pipeline/run.js";
import { estimateTokens } from "../src/util/tokens.js";
import { handbook } from "../src/prompts/handbook.js";
import { ANSWERABILITY_SYSTEM } from "../src/prompts/answerability.js";
import { stageHandlers } from "./support/fake-stage-handlers.js";
import type { FakeHandler } from "./support/fake-openai-server.js";
import { startSimServer } from "./support/sim-server.js";
import { EXAMPLES, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";

interface Seen {
  schema: string;
  system: string;
  user: string;
}

/** Stage handlers that also keep every prompt they answer. */
function recording(seen: Seen[]): Record<string, FakeHandler> {
  return Object.fromEntries(
    Object.entries(stageHandlers).map(([name, h]) => [
      name,
      (ctx) => {
        seen.push({ schema: name, system: ctx.messages.find((m) => m.role === "system")?.content ?? "", user: ctx.messages.find((m) => m.role === "user")?.content ?? "" });
        return h(ctx);
      },
    ]),
  );
}

const afterDocument = (user: string) => user.slice(user.indexOf("\n</document>") + "\n</document>".length);

for (const plan of ["paper", "efficient"] as const) {
  test(`${plan} plan: every call starts with the same handbook and its document; rules never follow the document`, async () => {
    const seen: Seen[] = [];
    const fake = await startStageServer({ handlers: recording(seen) });
    try {
      const res = await runOn(fake, [EXAMPLES], tempDir(), { plan });
      assert.ok(res.stats.qa_accepted > 10);
      // The blind answerability judge has its own system message and never sees the document.
      const blind = seen.filter((s) => s.schema.startsWith("answerable_"));
      assert.ok(blind.length > 0, "the answerability judge was asked");
      for (const b of blind) {
        assert.equal(b.system, ANSWERABILITY_SYSTEM);
        assert.ok(!b.user.includes("<document>") && !b.user.includes("Proposed answer"), "the judge sees neither the document nor the answer");
      }
      const withDocument = seen.filter((s) => !s.schema.startsWith("answerable_"));
      const systems = new Set(withDocument.map((s) => s.system));
      assert.equal(systems.size, 1, "one system message for every call on a document");
      const [handbook] = systems;
      const { config } = resolveRunConfig({ inputs: [EXAMPLES], out: "x" }, { env: {} });
      for (const d of config.domains) assert.ok(handbook!.includes(d), `the handbook names the domain ${d}`);
      for (const task of ["FILTER", "CLASSIFY", "WRITE", "VERIFY"]) assert.ok(handbook!.includes(`${task}:`), `the handbook states ${task}`);

      const sentences = handbook!.split(/(?<=\.)\s+/).filter((s) => s.length > 40);
      for (const s of withDocument) {
        assert.ok(s.user.startsWith("<document>\n"), `${s.schema}: the document comes first`);
        const tail = afterDocument(s.user);
        for (const rule of sentences) assert.ok(!tail.includes(rule), `${s.schema}: a handbook rule repeated after the document: ${rule}`);
        if (s.schema.startsWith("filter") || s.schema === "identify_result") assert.ok(estimateTokens(tail) <= 12, `${s.schema}: a task line only: ${tail}`);
      }
      // The paper plan shows the demos' materials; the efficient plan persona, question and answer only.
      const writes = seen.filter((s) => s.schema.startsWith("generated_pair"));
      assert.ok(writes.length > 0 && writes.every((s) => afterDocument(s.user).includes("Question: ")), "demos are shown");
      assert.equal(
        writes.every((s) => afterDocument(s.user).includes("Material: ")),
        plan === "paper",
      );
    } finally {
      await fake.close();
    }
  });
}

test("efficient plan on a prefix-caching server: the handbook is prefilled once per run, each document once", async () => {
  const sim = await startSimServer({ overheadMs: 0, prefillMsPer1k: 0, decodeMsPerToken: 0 });
  try {
    const { config } = resolveRunConfig(
      {
        inputs: [EXAMPLES],
        out: mkdtempSync(join(tmpdir(), "wsrl-layout-")),
        progress: "none",
        plan: "efficient",
        curate: { dedup: false, decontaminate: false, quality: false },
        llm: { concurrency: 4, defaults: { baseUrl: [sim.url], model: "sim" } },
      },
      { env: {} },
    );
    const llm = await createLlmClient(config.llm);
    const res = await runPipeline(config, { llm, gate: undefined, log: () => {} });
    await llm.close();
    assert.ok(res.stats.qa_accepted > 10);
    const g = await sim.gauges();
    const fi = g.by_schema.filter_identify_result!;
    const handbookTokens = estimateTokens(handbook(config.domains, config.personas));
    // The first call of each document pays for its document; the handbook before it is cached
    // for every call after the run's first (less the block it shares with the document).
    assert.ok(fi.cached_tokens >= (fi.requests - 1) * (handbookTokens - 40), `handbook cached: ${fi.cached_tokens} over ${fi.requests} calls`);
    for (const name of ["generated_pairs", "check_verdicts"]) {
      const s = g.by_schema[name]!;
      const perCall = (s.prompt_tokens - s.cached_tokens) / s.requests;
      // What is prefilled anew: the document's last partial cache block and the task line (personas
      // and short demos, or the pairs to verify): a small part of each call.
      assert.ok(perCall < 0.25 * (s.prompt_tokens / s.requests), `${name}: ${perCall.toFixed(0)} uncached of ${(s.prompt_tokens / s.requests).toFixed(0)} per call`);
      assert.ok(perCall < 260, `${name}: ${perCall.toFixed(0)} uncached tokens per call`);
    }
  } finally {
    await sim.close();
  }
});
