/**
 * Keeping the inference fleet saturated, and tokens per accepted pair. Runs the real pipeline
 * against the simulated server (test/support/sim-server.ts) in its own process, and prints
 * one JSON object per scenario:
 * - saturation: capacity 256, `--concurrency 256` → steady-state sequences in flight vs. capacity;
 * - auto: the same with `--concurrency auto` (the AIMD limiter is not told the capacity);
 * - degrade: `auto`, then the server drops to a quarter of its capacity and refuses (503)
 *   what it cannot queue: the limiter must back off;
 * - tokens: prompt tokens (total, uncached) and completion tokens per accepted pair for
 *   `--plan paper`, `--plan efficient` and the reference implementation's call pattern
 *   (bench/support/reference-driver.ts), on the same synthetic documents, each against a
 *   fresh server (empty prefix cache); also on ../shared/data/corpora/web when present.
 *
 *   npx tsx bench/pipeline-fleet.ts [--only saturation,auto,degrade,tokens] [--seconds 30]
 *       [--warmup 10] [--token-docs 400] [--capacity 256]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startSimServerProcess, type SimOptions } from "../test/support/sim-server.js";
import { writeCorpus } from "./support/synthetic-corpus.js";
import { runOnSim } from "./support/run-sim.js";
import { runReference } from "./support/reference-driver.js";
import { resolveRunConfig } from "../src/config/load.js";
import { createLlmClient } from "../src/llm/index.js";
import { readSources } from "../src/io/sources/index.js";
import { prefilter } from "../src/stages/prefilter.js";
import { toUnits } from "../src/pipeline/units.js";
import type { Doc } from "../src/records.js";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "saturation,auto,degrade,tokens" },
    seconds: { type: "string", default: "30" },
    warmup: { type: "string", default: "10" },
    "token-docs": { type: "string", default: "400" },
    capacity: { type: "string", default: "256" },
    /** Internal: run one measured scenario in this (child) process, print its JSON, exit. */
    scenario: { type: "string" },
    corpus: { type: "string" },
  },
});
const only = new Set(values.only!.split(","));
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const capacity = Number(values.capacity);
const REPO = resolve(import.meta.dirname, "..");
const REAL = resolve(REPO, "../shared/data/corpora/web");

/** A vLLM-like timing at a batch of 256: decode ~20 ms per token per sequence, fast prefill. */
const TIMING: Partial<SimOptions> = { capacity, overheadMs: 20, prefillMsPer1k: 50, decodeMsPerToken: 20 };
const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
const pct = (x: number) => Math.round(1000 * x) / 10;

if (values.scenario) {
  await scenario(values.scenario, values.corpus!);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "wsrl-fleet-"));
try {
  const corpus = join(dir, "docs.jsonl");
  // Enough documents that no scenario runs out before its window closes.
  const docsNeeded = Math.max(Number(values["token-docs"]), Math.ceil(((warmup + seconds) * capacity) / 6));
  await writeCorpus(corpus, { docs: docsNeeded, seed: 11 });

  for (const name of ["saturation", "auto", "degrade"]) {
    if (!only.has(name)) continue;
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), "--scenario", name, "--corpus", corpus], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    process.stdout.write(child.stdout);
    if (child.status !== 0) throw new Error(`scenario ${name} exited with ${child.status}`);
  }

  if (only.has("tokens")) {
    const n = Number(values["token-docs"]);
    const sets: [string, string, number][] = [["synthetic", corpus, n]];
    if (existsSync(REAL)) sets.push(["shared_web", REAL, 1000]);
    for (const [set, input, limit] of sets) {
      const inputs = set === "synthetic" ? [input] : readdirSync(input).map((f) => join(input, f));
      const rows: Record<string, any> = {};
      for (const plan of ["paper", "efficient"] as const) {
        const sim = await startSimServerProcess({ ...TIMING, overheadMs: 1, prefillMsPer1k: 1, decodeMsPerToken: 0.2 });
        try {
          // The reference pattern runs 10 workers; ours gets the same concurrency. At start, every
          // request in flight prefills the handbook before the first one has cached it: a one-off
          // cost of (concurrency × handbook) tokens that a 400-document sample would spread over
          // too few pairs to show the steady state (docs/performance.md).
          const r = await runOnSim(sim, { inputs, concurrency: 10, layer: { plan, limit } });
          const g = await sim.gauges();
          rows[plan] = perPair(g, r.accepted, r.documents);
        } finally {
          await sim.close();
        }
      }
      for (const personaAfterDemos of [false, true]) {
        const sim = await startSimServerProcess({ ...TIMING, overheadMs: 1, prefillMsPer1k: 1, decodeMsPerToken: 0.2 });
        try {
          const { config } = resolveRunConfig(
            { inputs, out: dir, llm: { concurrency: 10, defaults: { baseUrl: [sim.url], model: "sim" } } },
            { env: {} },
          );
          const llm = await createLlmClient(config.llm);
          // The reference sees what our pipeline sends to its filter: the same documents after the
          // same cheap prefilter and windowing, so both sides pay for the same material.
          const r = await runReference(llm, referenceDocs(inputs, limit, config), { domains: config.domains, personaAfterDemos });
          await llm.close();
          rows[personaAfterDemos ? "reference_persona_after_demos" : "reference"] = perPair(await sim.gauges(), r.accepted, r.documents);
        } finally {
          await sim.close();
        }
      }
      const ref = rows.reference;
      const ratio = (plan: string, k: string) => +(rows[plan][k] / ref[k]).toFixed(3);
      print({
        bench: `fleet.tokens.${set}`,
        documents: limit,
        per_accepted_pair: rows,
        vs_reference: {
          paper_uncached: ratio("paper", "uncached_prompt_tokens"),
          paper_uncached_target: 0.25,
          efficient_uncached: ratio("efficient", "uncached_prompt_tokens"),
          efficient_uncached_target: 0.125,
          efficient_total: ratio("efficient", "prompt_tokens"),
          efficient_total_target: 0.45,
          vs_persona_after_demos: {
            paper_uncached: +(rows.paper.uncached_prompt_tokens / rows.reference_persona_after_demos.uncached_prompt_tokens).toFixed(3),
            efficient_uncached: +(rows.efficient.uncached_prompt_tokens / rows.reference_persona_after_demos.uncached_prompt_tokens).toFixed(3),
            efficient_total: +(rows.efficient.prompt_tokens / rows.reference_persona_after_demos.prompt_tokens).toFixed(3),
          },
        },
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function perPair(g: { requests: number; prompt_tokens: number; cached_tokens: number; completion_tokens: number }, accepted: number, documents: number) {
  const a = Math.max(1, accepted);
  return {
    documents,
    accepted_pairs: accepted,
    requests_per_doc: +(g.requests / Math.max(1, documents)).toFixed(2),
    prompt_tokens: Math.round(g.prompt_tokens / a),
    uncached_prompt_tokens: Math.round((g.prompt_tokens - g.cached_tokens) / a),
    completion_tokens: Math.round(g.completion_tokens / a),
  };
}

async function* referenceDocs(inputs: string[], limit: number, config: ReturnType<typeof resolveRunConfig>["config"]): AsyncGenerator<Doc> {
  let seen = 0;
  for await (const item of readSources(inputs, { textField: config.textField, idField: config.idField })) {
    if (seen++ >= limit) return;
    if (item.kind !== "doc" || prefilter(item.doc, config.prefilter)) continue;
    yield* toUnits(item.doc, config.maxDocTokens, config.docOverflow);
  }
}

/** One measured scenario (in a child process: the pipeline is left running when the window closes). */
async function scenario(name: string, corpus: string): Promise<void> {
  if (name !== "degrade") {
    const concurrency = name === "saturation" ? capacity : "auto";
    const sim = await startSimServerProcess(TIMING);
    try {
      const r = await runOnSim(sim, { inputs: [corpus], concurrency, warmupS: warmup, measureS: seconds });
      const w = r.window!;
      print({
        bench: `fleet.${name}`,
        concurrency,
        capacity,
        in_flight_mean: Math.round(w.running_mean),
        in_flight_p95: w.running_p95,
        in_flight_pct_of_capacity: pct(w.running_mean / capacity),
        target_pct: name === "saturation" ? 95 : 0.9 * 95,
        server_queue_mean: Math.round(w.queue_mean),
        docs_per_s: +w.docs_per_s.toFixed(1),
        pairs_per_s: +w.pairs_per_s.toFixed(1),
        requests_per_doc: +r.requests_per_doc.toFixed(2),
        cpu_ms_per_doc: +r.cpu_ms_per_doc.toFixed(2),
        peak_rss_mb: Math.round(r.peak_rss_mb),
        window_s: seconds,
      });
    } finally {
      await sim.close();
    }
  }

  if (name === "degrade") {
    const sim = await startSimServerProcess(TIMING);
    try {
      let healthy: Awaited<ReturnType<typeof sim.gauges>> | undefined;
      const half = seconds / 2;
      const r = await runOnSim(sim, {
        inputs: [corpus],
        concurrency: "auto",
        warmupS: warmup,
        measureS: seconds,
        onWindow: (s) =>
          void setTimeout(async () => {
            healthy = await s.gauges();
            await s.reset();
            await s.degrade({ capacity: Math.round(capacity / 4), maxQueue: Math.round(capacity / 8), status: 503 });
          }, half * 1000),
      });
      const d = r.window!;
      print({
        bench: "fleet.degrade",
        healthy: { capacity, in_flight_mean: Math.round(healthy!.running_mean), queue_mean: Math.round(healthy!.queue_mean) },
        degraded: {
          capacity: d.capacity,
          max_queue: Math.round(capacity / 8),
          in_flight_mean: Math.round(d.running_mean),
          queue_mean: Math.round(d.queue_mean),
          refused_503: d.refused,
          served: d.requests,
          refused_pct: pct(d.refused / Math.max(1, d.refused + d.requests)),
        },
      });
    } finally {
      await sim.close();
    }
  }
}
