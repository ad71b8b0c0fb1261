/**
 * Issue 21's goal, end to end: the whole pipeline (orchestrator, stages, prompts) on the local
 * engine and a real GGUF, in the paper plan, evaluates at most 40 % of the prompt tokens it
 * sends, because each document's calls find the document (and the handbook) already in their
 * sequence. A random-weight model cannot write replies that pass a stage, so each reply is fixed
 * by a grammar to the fake test server's (bench/support/scripted-replies.ts); the prompts, the
 * routing, the prefill and the token meter are the engine's own. The figures are token counts
 * from llama.cpp's meter, not times. bench/local-engine.ts measures the same on more documents.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { resolveRunConfig } from "../src/config/load.js";
import { createLocalClient } from "../src/llm/local-engine.js";
import { runPipeline } from "../src/pipeline/run.js";
import { scriptedClient } from "../bench/support/scripted-replies.js";
import { makeTinyGguf } from "./support/make-tiny-gguf.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

test("pipeline on the local engine, paper plan: evaluated prompt tokens are at most 40 % of those sent, and fewer than without affinity", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wsrl-prefix-"));
  try {
    const modelFile = path.join(dir, "tiny-llama.gguf");
    // 8192 tokens: the handbook, a document and two demos in a 384-token vocabulary.
    makeTinyGguf(modelFile, { layers: 1, contextLength: 8192 });
    const run = async (affinity: boolean) => {
      const out = path.join(dir, `out-${affinity}`);
      const { config } = resolveRunConfig(
        { inputs: [path.join(repoRoot, "examples/corpus.jsonl")], out, limit: 2, plan: "paper", personas: 3, progress: "none", llm: { engine: "local", modelFile } },
        { env: {} },
      );
      // One thread: other test files may run beside this one, and spinning threads crawl on shared cores.
      const llm = scriptedClient(await createLocalClient(config.llm, { gpu: false, threads: 1, sequences: 2, affinity }));
      try {
        const res = await runPipeline(config, { llm, log: () => {} });
        assert.ok(res.stats.funnel.prefilter_passed >= 1, "a document reached the model");
        assert.ok(res.stats.qa_accepted > 0, "the scripted replies went through every stage");
        return res.stats.llm;
      } finally {
        await llm.close();
      }
    };

    const on = await run(true);
    const share = (s: typeof on) => (s.prompt_tokens - s.cached_prompt_tokens) / s.prompt_tokens;
    assert.ok(share(on) <= 0.4, `evaluated ${on.prompt_tokens - on.cached_prompt_tokens} of ${on.prompt_tokens} sent (${(100 * share(on)).toFixed(1)} %)`);
    // The check stage's calls come after generate's, on the same document: they evaluate only their task lines.
    const check = on.by_stage.check!;
    assert.ok(check.cached_prompt_tokens > 0.8 * check.prompt_tokens, `check found its document in place: ${JSON.stringify(check)}`);

    const off = await run(false);
    assert.equal(off.prompt_tokens, on.prompt_tokens, "the same prompts were sent");
    t.diagnostic(`evaluated/sent: ${share(on).toFixed(3)} with affinity, ${share(off).toFixed(3)} without`);
    assert.ok(share(off) > share(on), `the free list evaluates more: ${share(off).toFixed(3)} against ${share(on).toFixed(3)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
