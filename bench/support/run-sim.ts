/** Runs the real pipeline in this process against a (simulated) server URL and measures it. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveRunConfig } from "../../src/config/load.js";
import { createLlmClient } from "../../src/llm/index.js";
import { runPipeline } from "../../src/pipeline/run.js";
import type { ProgressSnapshot } from "../../src/pipeline/progress.js";
import type { SimGauges, SimServer } from "../../test/support/sim-server.js";

export interface SimRunOptions {
  inputs: string[];
  layer?: Record<string, unknown>;
  concurrency: number | "auto";
  /**
   * Measure a steady-state window: gauges reset after `warmupS`, read after `warmupS + measureS`;
   * then the figures return at once, without waiting for the in-flight documents to drain (the
   * caller exits the process).
   */
  warmupS?: number;
  measureS?: number;
  /** Called when the measurement window opens (e.g. to degrade the server later). */
  onWindow?: (sim: SimServer) => void;
}

export interface SimRunFigures {
  documents: number;
  accepted: number;
  seconds: number;
  docs_per_s: number;
  pairs_per_s: number;
  requests: number;
  requests_per_doc: number;
  cpu_ms_per_doc: number;
  peak_rss_mb: number;
  llm: { prompt_tokens: number; cached_prompt_tokens: number; completion_tokens: number };
  window?: SimGauges & { docs_per_s: number; pairs_per_s: number };
}

export async function runOnSim(sim: SimServer, o: SimRunOptions): Promise<SimRunFigures> {
  const out = mkdtempSync(join(tmpdir(), "wsrl-bench-"));
  const { config } = resolveRunConfig(
    {
      inputs: o.inputs,
      out,
      progress: "none",
      curate: { dedup: false, decontaminate: false, quality: false },
      ...(o.layer ?? {}),
      llm: { timeoutMs: 600_000, maxRetries: 8, concurrency: o.concurrency, defaults: { baseUrl: [sim.url], model: "sim" } },
    },
    { env: {} },
  );
  const llm = await createLlmClient(config.llm);
  let last: ProgressSnapshot = { documents: 0, accepted: 0, tokens: 0, elapsed: 0 };
  const ctrl = new AbortController();
  let window: SimRunFigures["window"];
  let measuring: Promise<void> | undefined;
  if (o.measureS) {
    measuring = (async () => {
      await new Promise((r) => setTimeout(r, (o.warmupS ?? 5) * 1000));
      await sim.reset();
      o.onWindow?.(sim);
      const a = { ...last, at: Date.now() };
      await new Promise((r) => setTimeout(r, o.measureS! * 1000));
      const g = await sim.gauges();
      const b = { ...last, at: Date.now() };
      const dt = (b.at - a.at) / 1000;
      window = { ...g, docs_per_s: (b.documents - a.documents) / dt, pairs_per_s: (b.accepted - a.accepted) / dt };
      ctrl.abort();
    })();
  }
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  try {
    const running = runPipeline(config, {
      llm,
      log: () => {},
      signal: ctrl.signal,
      progress: { update: (s) => void (last = s), stop() {} },
    });
    const res = measuring ? (await measuring, undefined) : await running;
    const seconds = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const s = llm.stats();
    const documents = res?.stats.documents_read ?? last.documents;
    const accepted = res?.stats.qa_accepted ?? last.accepted;
    return {
      documents,
      accepted,
      seconds,
      docs_per_s: documents / seconds,
      pairs_per_s: accepted / seconds,
      requests: s.requests,
      requests_per_doc: s.requests / Math.max(1, documents),
      cpu_ms_per_doc: (cpu.user + cpu.system) / 1000 / Math.max(1, documents),
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
      llm: { prompt_tokens: s.prompt_tokens, cached_prompt_tokens: s.cached_prompt_tokens, completion_tokens: s.completion_tokens },
      window,
    };
  } finally {
    if (!measuring) {
      await llm.close();
      rmSync(out, { recursive: true, force: true });
    }
  }
}
