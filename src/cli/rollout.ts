/**
 * `webscale-rl rollout <run-or-curated-dir...> --out DIR --model M`: each pair's pass rate
 * under one or more policy-like models (docs/rollout.md). Flags → settings, model client and
 * reward scorer → runRollout.
 */
import { Command, Option } from "commander";
import { LlmConfig } from "../config/schema.js";
import { resolvePolicyPrompt } from "../export/policy-prompt.js";
import { createLlmClient } from "../llm/index.js";
import { checkModelServers } from "../llm/server-check.js";
import { prepareLocalModel } from "../llm/prepare-local.js";
import { runPaths } from "../io/run-dir.js";
import { Scorer } from "../reward/score.js";
import { checkRolloutJob, runRollout, type RolloutProgress } from "../rollout/run-rollout.js";
import { RolloutConfigError, stageOf, validateSettings, type RolloutSettings } from "../rollout/settings.js";
import { addScoringOptions, scoreOptions, type ScoringFlags } from "./reward.js";
import { cacheSetting, type CacheFlags } from "../config/cache-setting.js";
import { cacheOptions } from "./cache-options.js";

interface RolloutFlags extends ScoringFlags, CacheFlags {
  out: string;
  model?: string[];
  baseUrl?: string[];
  modelBaseUrl?: string[];
  apiKey?: string;
  engine: "openai" | "batch" | "local";
  modelFile?: string;
  samples: number;
  temperature: number;
  maxTokens: number;
  seed: string;
  concurrency: string;
  timeout: number;
  maxRetries: number;
  rpm: number;
  promptTemplate?: string;
  systemPrompt?: string;
  keepOutputs?: boolean;
  limit?: number;
  partRecords: number;
  progress: boolean;
  allowIncomplete?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];
const wholeNumber = (flag: string, min = 0) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new RolloutConfigError(`${flag} takes a whole number${min > 0 ? ` ≥ ${min}` : ""} (got "${v}")`);
  return n;
};
const number = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new RolloutConfigError(`${flag} takes a number ≥ 0 (got "${v}")`);
  return n;
};

/** `--model-base-url NAME=URL` values → model → its base URLs. */
export function parseModelBaseUrls(specs: string[], models: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1) throw new RolloutConfigError(`--model-base-url "${spec}" is not NAME=URL (e.g. Qwen/Qwen2.5-72B-Instruct=http://gpu-b:8000/v1)`);
    const model = spec.slice(0, eq);
    if (!models.includes(model)) throw new RolloutConfigError(`--model-base-url names ${model}, which is not one of the --model values (${models.join(", ") || "none given"})`);
    (out[model] ??= []).push(spec.slice(eq + 1));
  }
  return out;
}

function progressPrinter(enabled: boolean): (p: RolloutProgress) => void {
  let last = -Infinity;
  return (p) => {
    if (!enabled || (!p.done && p.seconds - last < 5)) return;
    last = p.seconds;
    const of = p.total !== undefined ? `/${p.total}` : "";
    const tokens = p.tokens >= 1e6 ? `${(p.tokens / 1e6).toFixed(1)}M` : String(p.tokens);
    process.stderr.write(
      `rollout: [${Math.round(p.seconds)}s] ${p.pairs}${of} pairs, ${p.samples} samples (${p.samplesPerSecond.toFixed(1)}/s this session), ` +
        `${p.pairsInFlight} pairs in flight, ${p.requests} requests, ${tokens} tokens\n`,
    );
  };
}

export function registerRollout(program: Command): void {
  const [cacheDir, noCache, cacheMaxGb] = cacheOptions("rollouts, runs and processes");
  addScoringOptions(
    program
      .command("rollout")
      .description(
        "Measure each pair's difficulty: a policy-like model answers the question alone (no document), K times, in the prompt export writes; the reward scores each answer. Records get rollout: [{model, samples, correct, pass_rate, undecided, answers, …}].",
      )
      .argument("<inputs...>", "run, curated or earlier rollout directories (their qa/ parts)")
      .requiredOption("-o, --out <dir>", "output directory: qa/ with the rollout entries, stats.json, run.json (rerun the same command to resume)")
      .option("-m, --model <name>", "model that answers; repeat for several (e.g. a weak and a strong one): each record keeps one entry per model, in this order (default: the server's only model)", collect)
      .option("--base-url <url>", "OpenAI-compatible base URL (…/v1) for every model; repeat for several servers (default: $OPENAI_BASE_URL)", collect)
      .option("--model-base-url <name=url>", "base URL for one --model only; repeat as needed (e.g. the strong model on its own server)", collect)
      .option("--api-key <key>", "API key (default: $OPENAI_API_KEY); never written to disk or logs")
      .addOption(new Option("--engine <engine>", "openai: any OpenAI-compatible server; batch: the OpenAI Batch API (half price, hours); local: a GGUF file in-process").choices(["openai", "batch", "local"]).default("openai"))
      .option("--model-file <path.gguf>", "GGUF model for --engine local (default: the embedded default model)")
      .option("-k, --samples <k>", "samples per pair and model (K)", wholeNumber("--samples", 1), 8)
      .option("--temperature <t>", "sampling temperature (as in training: GRPO samples at 1.0)", number("--temperature"), 1)
      .option("--max-tokens <n>", "max tokens per sample; a sample cut there is counted as truncated (raise it for reasoning models)", wholeNumber("--max-tokens", 1), 2048)
      .option("--seed <n|none>", "sample i of a pair is drawn with seed + i, so a resumed pair draws the same samples; none = the server's own randomness", "0")
      .option("--concurrency <n|auto>", "sequences in flight across all models (a request with n = K counts K): your servers' batch size, e.g. vLLM's --max-num-seqs; auto = adapt", "256")
      .option("--timeout <seconds>", "per-request timeout", number("--timeout"), 600)
      .option("--max-retries <n>", "retries per request on 408/409/429/5xx, timeouts and network errors", wholeNumber("--max-retries"), 6)
      .option("--rpm <n>", "requests-per-minute limit (0 = none)", number("--rpm"), 0)
      .option("--prompt-template <text|@file>", "the policy prompt, as given to export ({question} is replaced; default asks for the answer in <answer></answer> tags)")
      .option("--system-prompt <text|@file>", "system message before the question, as given to export")
      .option("--keep-outputs", "keep every sample's raw output in the record (rollout[].outputs)")
      .option("--limit <n>", "stop after N input pairs", wholeNumber("--limit", 1))
      .option("--part-records <n>", "records per output part file", wholeNumber("--part-records", 1), 50_000)
      .addOption(cacheDir)
      .addOption(noCache)
      .addOption(cacheMaxGb)
      .option("--no-progress", "no progress lines on stderr")
      .option("--allow-incomplete", "roll out input directories that are not complete (a run still going, killed or stopped) instead of refusing them")
      .addHelpText(
        "after",
        `
The reward (rules, then the judge for what they leave undecided; --judge-* as in \`reward serve\`) scores
every sample; pass_rate = correct / samples. A sample the rules cannot decide and no judge decides
scores 0 and is counted in "undecided". An input directory must be complete (run.json / its writers
say so); one rollout at a time per --out (.lock-rollout). Samples are kept in the response cache (on by
default, as for run): a rerun of the same rollout into a new --out gets the same samples, so the same pass
rates, at no cost; a new --seed draws new ones, and --no-cache sends everything (docs/rollout.md).
Keep the learnable band afterwards with \`webscale-rl curate DIR --out KEPT --pass-rate 0.1-0.9\`.
docs/rollout.md has the whole recipe.
Example:
  webscale-rl rollout runs/r1-curated --out runs/r1-rollout --base-url http://gpu:8000/v1 --model Qwen/Qwen2.5-3B-Instruct --samples 8`,
      ),
  ).action(async (inputs: string[], f: RolloutFlags) => {
    const log = (m: string) => process.stderr.write(m + "\n");
    const seed = f.seed === "none" ? undefined : wholeNumber("--seed")(f.seed);
    const concurrency = f.concurrency === "auto" ? "auto" : wholeNumber("--concurrency", 1)(f.concurrency);
    const named = f.model ?? [];
    const perModel = parseModelBaseUrls(f.modelBaseUrl ?? [], named);
    const prompt = await resolvePolicyPrompt(f.promptTemplate, f.systemPrompt);
    const settings: RolloutSettings = { models: named, samples: f.samples, temperature: f.temperature, maxTokens: f.maxTokens, seed, prompt, keepOutputs: Boolean(f.keepOutputs) };
    // Everything that needs no server is checked first (with a placeholder when the model is to be discovered).
    checkRolloutJob({ inputs, out: f.out, settings: named.length ? settings : { ...settings, models: ["(discovered)"] }, allowIncomplete: f.allowIncomplete });

    const cfg = LlmConfig.parse({
      engine: f.engine,
      modelFile: f.modelFile,
      // The first model is also the default, so no model list is fetched when every model is named.
      defaults: { model: named[0], baseUrl: f.baseUrl ?? [], apiKey: f.apiKey, structured: "auto" },
      stages: Object.fromEntries(named.map((m) => [stageOf(m), { model: m, baseUrl: perModel[m] ?? [] }])),
      concurrency,
      timeoutMs: Math.round(f.timeout * 1000),
      maxRetries: f.maxRetries,
      rpm: f.rpm,
      // After the input checks: a cache folder that cannot be opened stops here, before any request.
      cache: cacheSetting(f),
    });
    if (cfg.engine === "local" && !cfg.modelFile) cfg.modelFile = await prepareLocalModel({ log });
    // The policy's servers answer (key, model names) before anything is written, as for run.
    if (cfg.engine === "openai" && f.serverCheck !== false) await checkModelServers(cfg, named.length ? named.map(stageOf) : ["default"], { log });
    const llm = await createLlmClient(cfg, { log, stateDir: runPaths(f.out).state, stateName: "rollout" });
    const scoring = await scoreOptions(f, (line) => log(`rollout: ${line}`));
    try {
      if (named.length === 0) settings.models = [llm.modelFor(stageOf("default"))];
      validateSettings(settings);
      const stop = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        if (++interrupts > 1) process.exit(130);
        log("\nStopping: finishing the pairs in flight (Ctrl-C again to stop at once; the next run resumes either way)...");
        stop.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        const res = await runRollout({ inputs, out: f.out, settings, llm, scorer: new Scorer(scoring), partRecords: f.partRecords, limit: f.limit, signal: stop.signal, allowIncomplete: f.allowIncomplete, log, onProgress: progressPrinter(f.progress) });
        const r = res.stats.rollout as { pairs_written: number; samples: number; samples_per_second: number; sample_requests: number; prompt_tokens: number; completion_tokens: number; wall_seconds: number; models: Record<string, { mean_pass_rate: number | null; never_solved: number; always_solved: number; pairs: number }> };
        const rates = Object.entries(r.models)
          .map(([m, x]) => `${m} ${x.mean_pass_rate ?? "–"} (never solved ${x.never_solved}, always ${x.always_solved} of ${x.pairs})`)
          .join("; ");
        const hits = llm.stats().cache_hits ?? 0; // this session's (stats.json's llm adds the inputs')
        log(
          `Done: ${r.pairs_written} pairs, ${r.samples} samples in ${r.wall_seconds} s (${r.samples_per_second} samples/s); ${r.sample_requests} requests, ` +
            `${r.prompt_tokens + r.completion_tokens} tokens${hits ? `; ${hits} samples from the response cache` : ""}. Mean pass rate: ${rates}.\nOutputs in ${f.out}/ (qa/, stats.json, run.json).`,
        );
        process.stdout.write(JSON.stringify({ out: f.out, pairs: r.pairs_written, samples: r.samples, models: r.models }) + "\n");
        if (res.stoppedBy === "signal") process.exitCode = 130;
        else if (res.stoppedBy === "lock_lost") process.exitCode = 1;
        else if (res.stoppedBy === "model_errors") {
          log(`The rollout stopped early: ${res.lastError}. Rerun the same command to resume.`);
          process.exitCode = 1;
        } else if (res.failedPairs > 0) {
          log(`${res.failedPairs} pairs failed (${res.lastError}) and were left for the next run: rerun the same command to retry them.`);
          process.exitCode = 1;
        }
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    } finally {
      await scoring.judge?.client.close();
      await llm.close();
    }
  });
}
