/**
 * Rollouts against the simulated inference server (test/support/sim-server.ts, in its own
 * process, with a fake policy that answers each question right with a planned probability):
 * samples per second, prompt tokens per sample, and how busy the fleet is kept, with the
 * server's `n` (K samples in one request: one prefill) and without it (a server that refuses
 * `n`: K requests per pair). Prints one JSON object per scenario, then a comparison.
 *
 * Steady state: the rollout runs through a warm-up, the server's gauges are reset, and the
 * window of `--seconds` is measured from the server's side (sequences running, prompt and
 * completion tokens, choices answered); then the rollout is stopped.
 *
 *   npx tsx bench/rollout.ts [--only with_n,without_n,auto] [--seconds 20] [--warmup 8]
 *       [--capacity 256] [--samples 8] [--reasoning-words 60]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LlmConfig } from "../src/config/schema.js";
import { resolvePolicyPrompt } from "../src/export/policy-prompt.js";
import { createLlmClient } from "../src/llm/index.js";
import { Scorer } from "../src/reward/score.js";
import { runRollout } from "../src/rollout/run-rollout.js";
import { stageOf } from "../src/rollout/settings.js";
import { startSimServerProcess, type SimGauges, type SimOptions } from "../test/support/sim-server.js";
import { plannedPairs, writePolicyFile, writeRun } from "../test/support/rollout-fixture.js";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "with_n,without_n,auto" },
    seconds: { type: "string", default: "20" },
    warmup: { type: "string", default: "8" },
    capacity: { type: "string", default: "256" },
    samples: { type: "string", default: "8" },
    "reasoning-words": { type: "string", default: "60" },
  },
});
const only = new Set(values.only!.split(","));
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const capacity = Number(values.capacity);
const K = Number(values.samples);
const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** The fleet bench's vLLM-like timing: decode ~20 ms per token per sequence at a batch of 256. */
const TIMING: Partial<SimOptions> = { capacity, overheadMs: 20, prefillMsPer1k: 50, decodeMsPerToken: 20 };

const dir = mkdtempSync(join(tmpdir(), "wsrl-bench-rollout-"));
try {
  // Enough pairs that no scenario runs out before its window closes (each sample ~ reasoning + 10 tokens).
  const sampleSeconds = (Number(values["reasoning-words"]) + 12) * 0.02 + 0.05;
  const pairsNeeded = Math.ceil((((warmup + seconds) * capacity) / sampleSeconds / K) * 1.5) + 500;
  const reasoning = Array.from({ length: Number(values["reasoning-words"]) }, (_, i) => ["so", "the", "total", "is", "found", "by", "adding", "both"][i % 8]).join(" ");
  const pairs = plannedPairs(pairsNeeded, "bench").map((p) => ({ ...p, answer: { ...p.answer, reasoning } }));
  writeRun(join(dir, "run"), pairs);
  const policyFile = join(dir, "policy.jsonl");
  writePolicyFile(policyFile, pairs);

  const results: Record<string, Record<string, unknown>> = {};
  for (const [name, n, concurrency] of [
    ["with_n", "supported", capacity],
    ["without_n", "refused", capacity],
    ["auto", "supported", "auto"],
  ] as const) {
    if (!only.has(name)) continue;
    results[name] = await scenario(name, n, concurrency, policyFile);
    print(results[name]);
  }
  if (results.with_n && results.without_n) {
    const a = results.with_n as { prompt_tokens_per_sample: number; samples_per_s: number };
    const b = results.without_n as { prompt_tokens_per_sample: number; samples_per_s: number };
    print({
      bench: "rollout.n_vs_single",
      samples_per_pair: K,
      prompt_tokens_per_sample_ratio: round(a.prompt_tokens_per_sample / b.prompt_tokens_per_sample, 4),
      target_ratio_at_most: round(1 / K, 4),
      // A little slack for rounding: the figures are means over thousands of samples.
      meets_target: a.prompt_tokens_per_sample / b.prompt_tokens_per_sample <= 1 / K + 1e-3,
      samples_per_s_ratio: round(a.samples_per_s / b.samples_per_s, 2),
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function scenario(name: string, n: "supported" | "refused", concurrency: number | "auto", policyFile: string): Promise<Record<string, unknown>> {
  const sim = await startSimServerProcess({ ...TIMING, n, policyFile });
  const stop = new AbortController();
  const model = "sim-policy";
  const llm = await createLlmClient(
    LlmConfig.parse({ engine: "openai", defaults: { baseUrl: [sim.url], model }, stages: { [stageOf(model)]: { model } }, concurrency, timeoutMs: 600_000 }),
  );
  try {
    const out = join(dir, name);
    const cpu0 = process.cpuUsage();
    const rolling = runRollout({
      inputs: [join(dir, "run")],
      out,
      settings: { models: [model], samples: K, temperature: 1, maxTokens: 1024, seed: 0, prompt: await resolvePolicyPrompt(), keepOutputs: false },
      llm,
      scorer: new Scorer(),
      signal: stop.signal,
      log: () => {},
    });
    await new Promise((r) => setTimeout(r, warmup * 1000));
    await sim.reset();
    const requestsAtStart = llm.stats().by_stage[stageOf(model)]?.requests ?? 0;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const g: SimGauges = await sim.gauges();
    const requestsInWindow = (llm.stats().by_stage[stageOf(model)]?.requests ?? 0) - requestsAtStart;
    stop.abort();
    const res = await rolling;
    const cpu = process.cpuUsage(cpu0);
    const samples = Math.max(1, g.choices);
    const busy = (100 * g.running_mean) / capacity;
    const busyTarget = concurrency === "auto" ? 0.9 * 95 : 95; // as bench/pipeline-fleet.ts: auto must reach 90 % of the target unaided
    return {
      bench: `rollout.${name}`,
      n,
      samples_per_pair: K,
      concurrency,
      capacity,
      window_s: round(g.seconds, 1),
      samples_per_s: round(g.choices / g.seconds),
      requests_per_s: round(g.requests / g.seconds),
      samples_per_request: round(g.choices / Math.max(1, g.requests), 2),
      prompt_tokens_per_sample: round(g.prompt_tokens / samples, 2),
      uncached_prompt_tokens_per_sample: round(g.uncached_tokens / samples, 2),
      completion_tokens_per_sample: round(g.completion_tokens / samples, 1),
      fleet_busy_pct: round(busy),
      fleet_busy_target_pct: busyTarget,
      meets_busy_target: busy >= busyTarget,
      running_p95: g.running_p95,
      server_queue_mean: round(g.queue_mean),
      client_requests_in_window: requestsInWindow,
      pairs_written: (res.stats.rollout as { pairs_written: number }).pairs_written,
      client_cpu_ms_per_sample: round((cpu.user + cpu.system) / 1000 / Math.max(1, (res.stats.rollout as { samples: number }).samples), 3),
    };
  } finally {
    await llm.close();
    await sim.close();
  }
}
