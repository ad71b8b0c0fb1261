/** `webscale-rl run`: documents in, verified persona QA pairs out. */
import { existsSync } from "node:fs";
import { Command, Option } from "commander";
import { resolveRunConfig, parseShard, ConfigError } from "../config/load.js";
import type { RunConfig } from "../config/schema.js";
import { parseDomainQuota, validateCurateOptions } from "../curate/options.js";
import { curateOptionsFromConfig } from "../curate/config.js";
import { createLlmClient } from "../llm/index.js";
import { checkModelServers } from "../llm/server-check.js";
import { runPipeline, shardTag } from "../pipeline/run.js";
import { runPaths } from "../io/run-dir.js";
import { checkWritableDir } from "../io/output-check.js";
import { expandInputs } from "../io/sources/index.js";
import { openRunGate } from "../pipeline/gate.js";
import { RemoteIO } from "../io/remote/remote-io.js";
import { checkTextField } from "../pipeline/text-field-check.js";
import { planStages } from "../stages/process-document.js";
import { prepareLocalModel } from "../llm/prepare-local.js";
import { DEFAULT_DOMAINS } from "../config/schema.js";
import { budgetFromFlags, checkPrices, describeSpend, type Budget, type BudgetFlags } from "../pipeline/budget.js";
import { withBudget } from "../pipeline/budget-guard.js";
import { cacheLayer, cacheOnByDefault, type CacheFlags } from "../config/cache-setting.js";
import { cacheOptions } from "./cache-options.js";

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} takes a whole number (got "${v}")`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(`${name} takes a number (got "${v}")`);
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

export interface RunFlags extends CacheFlags, BudgetFlags {
  out: string;
  config?: string;
  model?: string;
  baseUrl?: string[];
  apiKey?: string;
  engine?: string;
  modelFile?: string;
  textField?: string;
  idField?: string;
  limit?: number;
  seed?: number;
  concurrency?: string;
  timeout?: number;
  maxRetries?: number;
  rpm?: number;
  maxDocTokens?: number;
  maxWindows?: number;
  docOverflow?: string;
  personas?: number;
  fewShot?: number;
  demos?: string;
  plan?: string;
  shard?: string;
  minTokens?: number;
  heuristics?: boolean;
  structured?: string;
  temperature?: number;
  maxTokens?: number;
  dedup?: boolean;
  decontaminate?: boolean;
  quality?: boolean;
  benchmarks?: string[];
  benchmarkFields?: string[];
  domainQuota?: string;
  targetPairs?: number;
  maxPerDoc?: number;
  partRecords?: number;
  progress?: string;
  ioRetries?: number;
  ioTimeout?: number;
  force?: boolean;
  serverCheck?: boolean;
}

/** Flags → a layer with the config file's shape, holding only what the user gave. */
export function flagsToLayer(inputs: string[], f: RunFlags): Record<string, unknown> {
  const defaults: Record<string, unknown> = {
    model: f.model,
    baseUrl: f.baseUrl,
    apiKey: f.apiKey,
    temperature: f.temperature,
    maxTokens: f.maxTokens,
    structured: f.structured,
  };
  const concurrency = f.concurrency === undefined ? undefined : f.concurrency === "auto" ? "auto" : int("--concurrency")(f.concurrency);
  const curate: Record<string, unknown> = {
    dedup: f.dedup === false ? false : undefined,
    decontaminate: f.decontaminate === false ? false : undefined,
    quality: f.quality === false ? false : undefined,
    benchmarks: f.benchmarks,
    domainQuota: f.domainQuota ? parseDomainQuota(f.domainQuota) : undefined,
    benchmarkFields: f.benchmarkFields,
    targetPairs: f.targetPairs,
    maxPerDoc: f.maxPerDoc,
  };
  return {
    inputs,
    out: f.out,
    textField: f.textField,
    idField: f.idField,
    limit: f.limit,
    seed: f.seed,
    maxDocTokens: f.maxDocTokens,
    maxWindows: f.maxWindows,
    docOverflow: f.docOverflow,
    personas: f.personas,
    fewShot: f.fewShot,
    demosDir: f.demos,
    plan: f.plan,
    shard: f.shard ? parseShard(f.shard) : undefined,
    prefilter: {
      minTokens: f.minTokens,
      rules: f.heuristics === false ? { symbolRatio: false, repetition: false, shortLines: false, nonText: false } : undefined,
    },
    llm: {
      engine: f.engine,
      modelFile: f.modelFile,
      concurrency,
      timeoutMs: f.timeout === undefined ? undefined : Math.round(f.timeout * 1000),
      maxRetries: f.maxRetries,
      rpm: f.rpm,
      defaults,
      cache: cacheLayer(f),
    },
    curate,
    partRecords: f.partRecords,
    progress: f.progress,
    io: { retries: f.ioRetries, timeoutMs: f.ioTimeout === undefined ? undefined : Math.round(f.ioTimeout * 1000) },
  };
}

export function registerRun(program: Command): void {
  const [cacheDir, noCache, cacheMaxGb] = cacheOptions();
  const cmd = program
    .command("run")
    .description("Run the pipeline (prefilter → filter → identify → generate → check → curate) over documents.")
    .argument("<inputs...>", "input files, globs or folders: .jsonl/.json/.ndjson (+ .gz/.zst), .parquet, .txt/.md, .warc/.wet (+ .gz); local, hf://datasets/ORG/NAME[@REV]/PATH, s3://BUCKET/PREFIX or https://")
    .requiredOption("-o, --out <dir>", "output directory (rerun the same command to resume)")
    .option("-c, --config <file.yaml>", "YAML config file (per-stage models, domains, ...); flags override it")
    .option("-m, --model <name>", "model for every stage (default: the server's only model)")
    .option("--base-url <url>", "OpenAI-compatible base URL, e.g. http://gpu:8000/v1; repeat for several servers (default: $OPENAI_BASE_URL)", collect)
    .option("--api-key <key>", "API key (default: $OPENAI_API_KEY); never written to disk or logs")
    .addOption(new Option("--engine <engine>", "model engine (default: openai when a server/key/model is given, else local)").choices(["openai", "local", "batch"]))
    .option("--model-file <path.gguf>", "GGUF model for --engine local (default: the embedded default model, downloaded once)")
    .addOption(new Option("--structured <mode>", "structured output: JSON-schema response_format, prompt-embedded schema, or auto fallback").choices(["auto", "json_schema", "prompt"]))
    .option("--temperature <t>", "sampling temperature for every stage", num("--temperature"))
    .option("--max-tokens <n>", "max completion tokens per request", int("--max-tokens"))
    .option("--concurrency <n|auto>", "requests in flight across all stages (default 32; auto = adapt to the server)")
    .option("--timeout <seconds>", "per-request timeout (default 120)", num("--timeout"))
    .option("--max-retries <n>", "retries per request on 408/409/429/5xx/timeouts (default 6)", int("--max-retries"))
    .option("--rpm <n>", "requests-per-minute limit (default: none)", num("--rpm"))
    .option("--text-field <name>", "JSON field with the document text; dotted paths allowed (default: text)")
    .option("--id-field <name>", "JSON field with the document id (default: id; else a hash of the text)")
    .option("--limit <n>", "stop after N source documents", int("--limit"))
    .option("--seed <n>", "seed for demo sampling and model sampling (default 42)", int("--seed"))
    .addOption(new Option("--plan <plan>", "paper: the paper's four stages; efficient: 4 calls per document (default: paper; efficient on the local engine)").choices(["paper", "efficient"]))
    .option("--personas <n>", "max personas per document (default 3; 2 on the local engine)", int("--personas"))
    .option("--few-shot <n>", "demonstrations per generate prompt (default 2; 1 with --plan efficient)", int("--few-shot"))
    .option("--demos <dir>", "folder of <domain-slug>.jsonl demos that add or replace domains")
    .option("--max-doc-tokens <n>", "longer documents are split into windows (default 6000)", int("--max-doc-tokens"))
    .addOption(new Option("--doc-overflow <mode>", "what to do with longer documents (default split)").choices(["split", "truncate"]))
    .option("--max-windows <n>", "at most N windows per document (default 20); the rest of a longer one is one counted rejection, prefilter.too_many_windows", int("--max-windows"))
    .option("--min-tokens <n>", "prefilter: drop documents under N tokens (default 50, the paper's rule)", int("--min-tokens"))
    .option("--no-heuristics", "prefilter: keep only the token-count rule")
    .option("--shard <I/N>", "process only shard I of N (by document id), for N machines sharing --out")
    .option("--no-dedup", "curation: keep duplicate questions")
    .option("--no-decontaminate", "curation: skip benchmark decontamination")
    .option("--no-quality", "curation: skip the deterministic answer-quality rules")
    .option("--benchmarks <files...>", "curation: benchmark files (JSONL/Parquet) to decontaminate against")
    .option("--benchmark-fields <spec...>", "curation: text fields of benchmark files, [FILE=]PRESET or FIELD,FIELD (presets: gsm8k, math, mmlu, triviaqa, arc, humaneval, jeopardy, auto)")
    .option("--domain-quota <spec>", "curation: per-domain quota, shares or counts, e.g. Coding=0.15,Other=0.05 or Math=1000")
    .option("--target-pairs <n>", "curation: total pairs the shares of --domain-quota refer to", int("--target-pairs"))
    .option("--max-per-doc <n>", "curation: at most N accepted pairs per document", int("--max-per-doc"))
    .option("--part-records <n>", "records per output part file (default 50000)", int("--part-records"))
    .option("--io-retries <n>", "remote inputs: retries of a read after a reset, timeout, 5xx or throttling, with backoff (default 6)", int("--io-retries"))
    .option("--io-timeout <seconds>", "remote inputs: one request (listing or 8 MiB range read) may take this long (default 120)", num("--io-timeout"))
    .addOption(cacheDir)
    .addOption(noCache)
    .addOption(cacheMaxGb)
    .option("--max-cost <usd>", "stop cleanly (resumable) once this session's model spend reaches this many dollars (prices: built-in table or --price)", num("--max-cost"))
    .option("--budget-tokens <n>", "stop cleanly (resumable) once this session has used this many prompt + completion tokens", int("--budget-tokens"))
    .option("--price <MODEL=IN/OUT>", "dollars per million prompt/completion tokens for a model, e.g. gpt-4.1-mini=0.4/1.6; repeatable", collect)
    .addOption(new Option("--progress <mode>", "progress display (default: bar on a terminal, log lines otherwise)").choices(["auto", "bar", "log", "none"]))
    .option("--force", "resume an --out made with other inputs, plan, prompt version, domains, models or windowing (the differences are recorded in run.json)")
    .option("--no-server-check", "skip the start-up check of the model server (its model list, the key) before any work")
    .addHelpText(
      "after",
      `
Domains (default, the paper's): ${DEFAULT_DOMAINS.join("; ")}. A custom list: "domains:" in the config file.
Examples:
  export OPENAI_BASE_URL=http://gpu-box:8000/v1
  webscale-rl run 'corpus/*.jsonl.zst' shard.parquet --out runs/r1 --model Qwen/Qwen2.5-72B-Instruct
  webscale-rl run examples/corpus.jsonl --out runs/local        # no server: the embedded local model
  webscale-rl run 'hf://datasets/HuggingFaceFW/fineweb/sample/10BT/*.parquet' --limit 100000 --out runs/fw
  webscale-rl run 's3://my-bucket/crawl/*.warc.gz' --out runs/cc   # AWS credential chain; AWS_ENDPOINT_URL for MinIO/R2
Remote data: HF_TOKEN (gated/private datasets), HF_ENDPOINT (a mirror); AWS_* for S3. See docs/inputs.md.
Rerunning the same command on the same --out resumes; Ctrl-C stops within seconds (requests in flight
get WEBSCALE_RL_STOP_GRACE_SECONDS, default 3, to finish; the rest is left for the resume); twice: at once.
One writer per --out (or per --shard): a second one is refused, saying who holds the lock. A resume
with other inputs, plan, domains, models or windowing is refused unless --force.`,
    )
    .action(async (inputs: string[], flags: RunFlags) => {
      const log = (m: string) => process.stderr.write(m + "\n");
      const { config, localDefaults } = resolveRunConfig(flagsToLayer(inputs, flags), { configFile: flags.config });
      cacheOnByDefault(config);
      const budget: Budget = budgetFromFlags(flags);
      // Everything is checked before any work: nothing is written and no document is sent when one fails.
      await preflight(config);
      if (localDefaults) log(localDefaults);
      const grace = stopGraceMs();
      if (config.llm.engine === "local" && !config.llm.modelFile) config.llm.modelFile = await prepareLocalModel({ log });
      if ((config.llm.engine === "openai" || config.llm.engine === "batch") && flags.serverCheck !== false) {
        await checkModelServers(config.llm, planStages(config.plan), { log });
      }
      // state/ and the writer tag let the batch engine find its in-flight batches after a kill.
      const engine = await createLlmClient(config.llm, { log, stateDir: runPaths(config.out).state, stateName: shardTag(config) });
      const stop = new AbortController();
      let budgetStop: string | undefined;
      let llm = engine;
      try {
        checkPrices(budget, planStages(config.plan).map((s) => engine.modelFor(s)));
        // The budget stops the run the way Ctrl-C does (same signal, same grace), with its own reason and exit code.
        llm = withBudget(engine, budget, (why) => {
          if (stop.signal.aborted) return;
          budgetStop = why;
          log(`\nStopping: ${why}; requests in flight get a few seconds to finish, the rest is left for the next run.`);
          stop.abort(why);
        });
      } catch (err) {
        await engine.close();
        throw err;
      }
      let interrupts = 0;
      const onSignal = () => {
        interrupts++;
        if (interrupts === 1) {
          log("\nStopping: requests in flight get a few seconds to finish, the rest is left for the next run (Ctrl-C again to stop at once)...");
          stop.abort();
        } else process.exit(130);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        const res = await runPipeline(config, {
          llm,
          gate: (tag) => openRunGate(config, tag),
          signal: stop.signal,
          stopGraceMs: grace,
          log,
          force: flags.force,
          budgetSpend: () => describeSpend(budget, llm.stats()),
        });
        const s = res.stats;
        const rate = s.documents_read ? (s.qa_accepted / s.documents_read).toFixed(2) : "0";
        log(
          `${res.complete ? "Done" : "Stopped"}: ${s.documents_read} documents → ${s.qa_accepted} QA pairs (${rate} per document) in ${s.wall_seconds.toFixed(1)} s; ` +
            `${s.llm.requests} model requests, ${s.llm.prompt_tokens + s.llm.completion_tokens} tokens` +
            (s.llm.cache_hits ? `; ${s.llm.cache_hits} replies from the response cache (${(s.llm.cache_saved_prompt_tokens ?? 0) + (s.llm.cache_saved_completion_tokens ?? 0)} tokens saved)` : "") +
            ".\n" +
            (config.shard
              ? `Outputs in ${config.out}/ (qa/, rejected/, documents/; this shard's stats in state/stats-${shardTag(config)}.json: run \`webscale-rl merge ${config.out}\` when all shards are done for stats.json).`
              : `Outputs in ${config.out}/ (qa/, rejected/, documents/, stats.json).`),
        );
        if (budgetStop && !res.complete) {
          log(`Stopped early: ${budgetStop}. Rerun the same command (with a larger budget) to resume.`);
          process.exitCode = 3;
        } else if (res.stoppedBy === "signal" && !budgetStop) {
          log(`Stopped by a signal: rerun the same command to resume.`);
          process.exitCode = 130;
        } else if (res.stoppedBy === "model_errors") {
          log(`The run stopped early: ${res.lastError}. Rerun the same command to resume.`);
          process.exitCode = 1;
        } else if (res.failedUnits > 0) {
          log(`${res.failedUnits} documents failed on the model server and were left for the next run: rerun the same command to retry them.`);
          process.exitCode = 1;
        }
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await llm.close();
      }
    });
}

/** How long requests in flight may still finish after Ctrl-C (WEBSCALE_RL_STOP_GRACE_SECONDS, default 3). */
function stopGraceMs(): number | undefined {
  const v = process.env.WEBSCALE_RL_STOP_GRACE_SECONDS;
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`WEBSCALE_RL_STOP_GRACE_SECONDS must be a number of seconds (got "${v}")`);
  return n * 1000;
}

/**
 * The checks that need no model: inputs exist and are supported (remote ones listed: no access
 * or no such file stops here), the output is writable, the curation settings hold, and the
 * first input has the text field. The run lists its inputs again when it starts, pinning the
 * remote ones (input-pins.ts). `estimate` runs the same checks but writes nothing (`checkOut: false`).
 */
export async function preflight(config: RunConfig, opts: { checkOut?: boolean } = {}): Promise<void> {
  const io = new RemoteIO({ policy: { retries: config.io.retries, backoffMs: config.io.backoffMs, timeoutMs: config.io.timeoutMs } });
  try {
    const files = await expandInputs(config.inputs, io);
    if (opts.checkOut !== false) checkWritableDir(config.out, "--out");
    const curate = curateOptionsFromConfig(config.curate);
    validateCurateOptions(curate);
    for (const b of curate.benchmarks) if (!existsSync(b.path)) throw new ConfigError(`--benchmarks: ${b.path} does not exist`);
    await checkTextField(files[0]!, { textField: config.textField, idField: config.idField, io });
  } finally {
    io.close();
  }
}
