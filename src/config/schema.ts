/**
 * The resolved configuration of a `run`, validated with zod. Built by src/config/load.ts
 * from defaults < YAML config file < environment < command-line flags. Objects are strict: an
 * unknown key (a typo such as `default:` for `defaults:`) is an error naming its path, never
 * silently ignored.
 */
import { z } from "zod";

export const DEFAULT_DOMAINS = [
  "Math",
  "Technology & Engineering",
  "Coding",
  "Social Science",
  "Natural Science",
  "Travel & Lifestyle",
  "Commerce & Economics",
  "Medicine & Health",
  "Education",
  "Other",
] as const;

/** Settings for one model endpoint; any field may be overridden per stage. */
export const ModelSettings = z.strictObject({
  model: z.string().optional(),
  /** One or more OpenAI-compatible base URLs (…/v1). Several = load-balanced. */
  baseUrl: z.array(z.string()).default([]),
  apiKey: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
  /** `auto`: JSON-schema response_format, falling back to a prompt-embedded schema if refused. */
  structured: z.enum(["auto", "json_schema", "prompt"]).default("auto"),
});
export type ModelSettings = z.infer<typeof ModelSettings>;

export const StageOverrides = z.record(z.string(), ModelSettings.partial());

export const LlmConfig = z.strictObject({
  engine: z.enum(["openai", "local", "batch"]).default("openai"),
  defaults: ModelSettings.default({ baseUrl: [], structured: "auto" }),
  /** Per-stage overrides: filter, identify, generate, check, judge, ... */
  stages: StageOverrides.default({}),
  /** Local engine: path to a GGUF file (or empty = embedded default model). */
  modelFile: z.string().optional(),
  /** Cap on requests in flight across all stages; "auto" = adaptive (AIMD). */
  concurrency: z.union([z.number().int().positive(), z.literal("auto")]).default(32),
  timeoutMs: z.number().int().positive().default(120_000),
  maxRetries: z.number().int().nonnegative().default(6),
  /** Global requests-per-minute limit (0 = none). */
  rpm: z.number().nonnegative().default(0),
});
export type LlmConfig = z.infer<typeof LlmConfig>;

export const PrefilterConfig = z.strictObject({
  /** The paper's rule: documents under 50 tokens are dropped. */
  minTokens: z.number().int().nonnegative().default(50),
  /** Cheap heuristics, each switchable; see src/stages/prefilter.ts for what each means. */
  rules: z
    .strictObject({
      symbolRatio: z.boolean().default(true),
      repetition: z.boolean().default(true),
      shortLines: z.boolean().default(true),
      nonText: z.boolean().default(true),
    })
    .default({ symbolRatio: true, repetition: true, shortLines: true, nonText: true }),
});
export type PrefilterConfig = z.infer<typeof PrefilterConfig>;

/**
 * Demos per generate prompt when not set. The efficient plan shows demos without material and
 * everything after the document is prefilled per call, so it shows one: its handbook carries
 * the rules, and its token budget (docs/performance.md) pays for the blind answerability call.
 */
export const DEFAULT_FEW_SHOT = { paper: 2, efficient: 1 } as const;

const RunConfigFields = z.strictObject({
  inputs: z.array(z.string()).min(1),
  out: z.string(),
  textField: z.string().default("text"),
  idField: z.string().default("id"),
  limit: z.number().int().positive().optional(),
  seed: z.number().int().default(42),
  /** Documents longer than this are split into windows (or truncated with docOverflow=truncate). */
  maxDocTokens: z.number().int().positive().default(6000),
  docOverflow: z.enum(["split", "truncate"]).default("split"),
  /** At most this many windows per document; the rest of a longer one is one counted rejection (prefilter.too_many_windows). */
  maxWindows: z.number().int().positive().default(20),
  personas: z.number().int().min(1).max(10).default(3),
  /** Demos per generate prompt; unset = 2 in the paper plan, 1 in the efficient plan (DEFAULT_FEW_SHOT). */
  fewShot: z.number().int().min(0).max(8).optional(),
  demosDir: z.string().optional(),
  domains: z.array(z.string()).min(1).default([...DEFAULT_DOMAINS]),
  plan: z.enum(["paper", "efficient"]).default("paper"),
  /** "I/N": process only documents whose id hashes to shard I of N. */
  shard: z.strictObject({ index: z.number().int().nonnegative(), count: z.number().int().positive() }).optional(),
  prefilter: PrefilterConfig.default({
    minTokens: 50,
    rules: { symbolRatio: true, repetition: true, shortLines: true, nonText: true },
  }),
  llm: LlmConfig,
  /** Curation stages after Check (see src/curate and docs/curation.md). Each switchable. */
  curate: z
    .strictObject({
      dedup: z.boolean().default(true),
      decontaminate: z.boolean().default(true),
      quality: z.boolean().default(true),
      /** Benchmark files (JSONL/Parquet), or { path, fields?, preset? }. */
      benchmarks: z.array(z.union([z.string(), z.strictObject({ path: z.string(), fields: z.array(z.string()).optional(), preset: z.string().optional() })])).default([]),
      /** `[FILE=]PRESET|FIELD,FIELD` entries naming the text fields of benchmark files. */
      benchmarkFields: z.array(z.string()).optional(),
      domainQuota: z.record(z.string(), z.number()).default({}),
      /** The total that quota shares refer to. */
      targetPairs: z.number().int().positive().optional(),
      maxPerDoc: z.number().int().positive().optional(),
      ngram: z.number().int().positive().optional(),
      nearDup: z.strictObject({ threshold: z.number().min(0).max(1).optional(), answerThreshold: z.number().min(0).max(1).optional(), numPerm: z.number().int().positive().optional(), shingle: z.number().int().positive().optional() }).optional(),
      maxAnswerWords: z.number().int().positive().optional(),
    })
    .default({ dedup: true, decontaminate: true, quality: true, benchmarks: [], domainQuota: {} }),
  /** Remote inputs (hf://, s3://, https://): retries of transient faults and the per-request timeout (src/io/remote/retry.ts). */
  io: z
    .object({
      retries: z.number().int().nonnegative().default(6),
      backoffMs: z.number().int().positive().default(500),
      timeoutMs: z.number().int().positive().default(120_000),
      /** Bytes per range request when streaming a remote file (8 MiB). */
      pieceBytes: z.number().int().positive().default(8 * 1024 * 1024),
    })
    .default({ retries: 6, backoffMs: 500, timeoutMs: 120_000, pieceBytes: 8 * 1024 * 1024 }),
  /** Output part size: a new part file after this many records. */
  partRecords: z.number().int().positive().default(50_000),
  progress: z.enum(["auto", "bar", "log", "none"]).default("auto"),
});
export const RunConfig = RunConfigFields.transform((c) => ({ ...c, fewShot: c.fewShot ?? DEFAULT_FEW_SHOT[c.plan] }));
export type RunConfig = z.output<typeof RunConfig>;
