/** Runs the real pipeline in-process against the fake server with the stage handlers: the common setup of the pipeline tests. */
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "./fake-openai-server.js";
import { stageHandlers } from "./fake-stage-handlers.js";
import { resolveRunConfig } from "../../src/config/load.js";
import { createLlmClient } from "../../src/llm/index.js";
import { runPipeline, type RunResult } from "../../src/pipeline/run.js";
import { openRunGate } from "../../src/pipeline/gate.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const EXAMPLES = join(REPO_ROOT, "examples/corpus.jsonl");
export const SHARED_DATA = resolve(REPO_ROOT, "../shared/data");

export function tempDir(prefix = "wsrl-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startStageServer(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  return startFakeOpenAI({ ...opts, handlers: { ...stageHandlers, ...(opts.handlers ?? {}) } });
}

/** Runs the pipeline; `layer` uses the config file's shape (e.g. { plan: "efficient" }). */
export async function runOn(
  fake: FakeOpenAI,
  inputs: string[],
  out: string,
  layer: Record<string, unknown> = {},
  opts: { curate?: boolean } = {},
): Promise<RunResult> {
  const { llm: llmLayer, ...rest } = layer as { llm?: Record<string, unknown> };
  const { defaults, ...llmRest } = (llmLayer ?? {}) as { defaults?: Record<string, unknown> };
  const { config } = resolveRunConfig(
    {
      inputs,
      out,
      progress: "none",
      ...(opts.curate ? {} : { curate: { dedup: false, decontaminate: false, quality: false } }),
      ...rest,
      // A patient timeout: the fake server answers at once, only a loaded machine is slow, and a
      // timed-out request would be retried and change the counts the tests compare.
      llm: { timeoutMs: 120_000, maxRetries: 4, ...llmRest, defaults: { baseUrl: [fake.url], model: "fake-model", ...(defaults ?? {}) } },
    },
    { env: {} },
  );
  const llm = await createLlmClient(config.llm);
  const gate = await openRunGate(config);
  try {
    return await runPipeline(config, { llm, gate, log: () => {} });
  } finally {
    await gate?.close();
    await llm.close();
  }
}

export function readJsonl<T = any>(folder: string): T[] {
  let files: string[] = [];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith(".jsonl")).sort();
  } catch {
    return [];
  }
  return files.flatMap((f) =>
    readFileSync(join(folder, f), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T),
  );
}

/** Every file below a folder, for secret scans. */
export function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}
