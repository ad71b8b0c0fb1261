/**
 * Prefill in the local engine: prompt tokens llama.cpp evaluated per document against prompt
 * tokens sent, per plan, with and without prefix affinity (src/llm/sequence-router.ts). The real
 * pipeline (orchestrator, stages, prompts) runs on a real GGUF through the local engine; a
 * random-weight model cannot write replies that pass a stage, so each reply is fixed by a
 * grammar to the fake test server's reply (bench/support/scripted-replies.ts) and the model
 * decodes exactly that. Evaluated = sent - cached_prompt_tokens, from the engine's token meter:
 * deterministic for a given corpus and model, unlike the wall times (printed too, with the load).
 *
 *   npx tsx bench/local-engine.ts [--model-file m.gguf] [--docs 8] [--plans paper,efficient]
 *       [--personas 3] [--sequences n] [--threads n] [--input examples/corpus.jsonl ...] [--affinity both|on|off]
 *
 * Without --model-file it writes the tiny random llama the test suite uses
 * (test/support/make-tiny-gguf.ts, 8192-token context). One JSON line per plan and routing,
 * then a summary line with the goal: the paper plan evaluates at most 40 % of what it sends.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { resolveRunConfig } from "../src/config/load.js";
import { createLocalClient } from "../src/llm/local-engine.js";
import { runPipeline } from "../src/pipeline/run.js";
import type { LlmStats } from "../src/records.js";
import { makeTinyGguf } from "../test/support/make-tiny-gguf.js";
import { scriptedClient } from "./support/scripted-replies.js";

// A mistyped flag is one line, not parseArgs' stack trace.
const values = (() => {
  try {
    return parseArgs({
      options: {
        "model-file": { type: "string" },
        docs: { type: "string", default: "8" },
        plans: { type: "string", default: "paper,efficient" },
        personas: { type: "string", default: "3" },
        sequences: { type: "string" },
        threads: { type: "string" },
        input: { type: "string", multiple: true },
        affinity: { type: "string", default: "both" },
      },
    }).values;
  } catch (err) {
    return fail(`${(err as Error).message.split("\n")[0]} (see the flags at the top of bench/local-engine.ts)`);
  }
})();
const REPO = resolve(import.meta.dirname, "..");
const INPUTS = (values.input ?? [join(REPO, "examples/corpus.jsonl")]).map((p) => resolve(p));
const GOAL = 0.4;
const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
const ratio = (a: number, b: number) => (b ? Math.round((1000 * a) / b) / 1000 : 0);

function fail(message: string): never {
  process.stderr.write(`bench local-engine: ${message}\n`);
  process.exit(2);
}

const plans = values.plans!.split(",") as ("paper" | "efficient")[];
if (plans.some((p) => p !== "paper" && p !== "efficient")) fail(`--plans takes paper and/or efficient (got ${values.plans})`);
const count = (v: string | undefined, flag: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} takes a whole number (got ${v})`);
  return n;
};
const docs = count(values.docs, "--docs")!;
const personas = count(values.personas, "--personas")!;
const sequences = count(values.sequences, "--sequences");
const routings = { both: [false, true], on: [true], off: [false] }[values.affinity!] ?? fail(`--affinity takes both, on or off (got ${values.affinity})`);
const threads = count(values.threads, "--threads");

const scratch = mkdtempSync(join(os.tmpdir(), "wsrl-bench-local-"));
let modelFile = values["model-file"] ? resolve(values["model-file"]) : undefined;
if (modelFile && !existsSync(modelFile)) fail(`no model file at ${modelFile}`);
let modelLabel = modelFile ?? "tiny random llama written by test/support/make-tiny-gguf.ts";
if (!modelFile) {
  modelFile = join(scratch, "tiny-llama.gguf");
  // The handbook, a document and the demos are ~5k tokens in its 384-token vocabulary.
  makeTinyGguf(modelFile, { contextLength: 8192 });
}

interface Row {
  plan: string;
  affinity: boolean;
  documents: number;
  requests: number;
  sent_per_doc: number;
  evaluated_per_doc: number;
  evaluated_share: number;
  /** Tokens the random model spent spelling the replies (often a character at a time). */
  completion_per_doc: number;
  /** The replies' size as a real model would write them (compact JSON, the project's token estimate). */
  reply_tokens_per_doc: number;
  by_stage: Record<string, { sent: number; evaluated: number }>;
  accepted: number;
  seconds: number;
  load_before: number;
}

async function measure(plan: "paper" | "efficient", affinity: boolean): Promise<Row> {
  const out = mkdtempSync(join(scratch, "run-"));
  const { config } = resolveRunConfig(
    {
      inputs: INPUTS,
      out,
      limit: docs,
      plan,
      personas,
      progress: "none",
      llm: { engine: "local", modelFile },
    },
    { env: {} },
  );
  const load = os.loadavg()[0]!;
  const engine = await createLocalClient(config.llm, { gpu: false, affinity, sequences, threads, log: (m) => process.stderr.write(`${m}\n`) });
  const llm = scriptedClient(engine);
  const t0 = performance.now();
  try {
    const res = await runPipeline(config, { llm, log: () => {} });
    const s: LlmStats = res.stats.llm;
    const n = res.stats.funnel.prefilter_passed;
    // Per-document figures need a document: an input of only short or non-prose texts has none.
    if (n === 0) fail(`no document of ${INPUTS.join(", ")} passed the prefilter; give --input files with prose documents`);
    const evaluated = s.prompt_tokens - s.cached_prompt_tokens;
    return {
      plan,
      affinity,
      documents: n,
      requests: s.requests,
      sent_per_doc: Math.round(s.prompt_tokens / n),
      evaluated_per_doc: Math.round(evaluated / n),
      evaluated_share: ratio(evaluated, s.prompt_tokens),
      completion_per_doc: Math.round(s.completion_tokens / n),
      reply_tokens_per_doc: Math.round(llm.replyTokens / n),
      by_stage: Object.fromEntries(Object.entries(s.by_stage).map(([k, v]) => [k, { sent: v.prompt_tokens, evaluated: v.prompt_tokens - v.cached_prompt_tokens }])),
      accepted: res.stats.qa_accepted,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      load_before: Math.round(load * 10) / 10,
    };
  } finally {
    await llm.close();
    rmSync(out, { recursive: true, force: true });
  }
}

try {
  const rows: Row[] = [];
  for (const plan of plans) {
    for (const affinity of routings) {
      const row = await measure(plan, affinity);
      rows.push(row);
      print({ bench: "local-engine", model: modelLabel, cores: os.availableParallelism(), ...row });
    }
  }
  const paper = rows.find((r) => r.plan === "paper" && r.affinity);
  print({
    bench: "local-engine",
    summary: Object.fromEntries(rows.map((r) => [`${r.plan}${r.affinity ? "" : " (no affinity)"}`, { evaluated_share: r.evaluated_share, evaluated_per_doc: r.evaluated_per_doc, sent_per_doc: r.sent_per_doc, reply_tokens_per_doc: r.reply_tokens_per_doc }])),
    goal: paper ? { paper_evaluated_share: paper.evaluated_share, at_most: GOAL, met: paper.evaluated_share <= GOAL } : undefined,
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
