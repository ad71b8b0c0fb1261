/**
 * The record types that cross folder boundaries. Defined once, here, with zod;
 * every other module imports the inferred TypeScript types from this file.
 */
import { z } from "zod";

/** Where a document came from; travels with every document, pair and rejection. */
export const SourceLocation = z.object({
  /** Input file path as given (after glob expansion), or a remote file's URL (hf://, s3://, https:// without its query). */
  file: z.string(),
  /** 1-based line number for JSONL inputs. */
  line: z.number().int().positive().optional(),
  /** 0-based row index for Parquet inputs. */
  row: z.number().int().nonnegative().optional(),
  /** 0-based index of the record in a WARC/WET file (every record counts: warcinfo, request, ...). */
  record: z.number().int().nonnegative().optional(),
  /** When the page was fetched (a WARC/WET record's WARC-Date, ISO 8601). */
  date: z.string().optional(),
  /** The document's URL when the record carries one (Dolma `id`, `url`, `metadata.url`). */
  url: z.string().optional(),
  /** Set when a long document was split into windows: which window this is. */
  window: z.object({ index: z.number().int().nonnegative(), count: z.number().int().positive() }).optional(),
});
export type SourceLocation = z.infer<typeof SourceLocation>;

/** A source document as the pipeline sees it. */
export const Doc = z.object({
  /** The record's own id field, or a stable hash of the text (`h:` + 16 hex chars). Windows append `#w<i>`. */
  id: z.string().min(1),
  text: z.string(),
  source: SourceLocation,
});
export type Doc = z.infer<typeof Doc>;

/** The answer kinds the generator may declare. `number` answers must parse as numbers. */
export const ANSWER_TYPES = ["number", "date", "entity", "short_phrase", "yes_no", "list", "formula", "other"] as const;
export const AnswerType = z.enum(ANSWER_TYPES);
export type AnswerType = z.infer<typeof AnswerType>;

/** The stages that call a model. `*_all` / `filter_identify` belong to `--plan efficient`; `answerable*` is the blind answerability judge. */
export const LLM_STAGES = ["filter", "identify", "generate", "check", "answerable", "filter_identify", "generate_all", "check_all", "answerable_all", "judge"] as const;
export type LlmStage = (typeof LLM_STAGES)[number];

/**
 * One model's rollouts of a pair (`webscale-rl rollout`, docs/rollout.md): K samples of the
 * question alone, in the policy prompt that export writes, scored by the reward.
 */
export const RolloutEntry = z.object({
  model: z.string(),
  /** K: samples drawn. */
  samples: z.number().int().positive(),
  /** Samples the reward scored 1. */
  correct: z.number().int().nonnegative(),
  /** correct / samples: what GRPO's reward would average (an undecided sample scores 0 there too). */
  pass_rate: z.number().min(0).max(1),
  /** Samples the reward's rules could not decide and no judge decided (scored 0). */
  undecided: z.number().int().nonnegative(),
  /** Samples the server cut at max_tokens (their answer, if any, still counts). */
  truncated: z.number().int().nonnegative(),
  /** The final answer extracted from each sample, in draw order ("" when none). */
  answers: z.array(z.string()),
  /** Each sample's verdict, in draw order. */
  verdicts: z.array(z.enum(["match", "mismatch", "undecided"])),
  temperature: z.number(),
  max_tokens: z.number().int().positive(),
  /** Sample i was drawn with seed + i (absent: the server's own randomness). */
  seed: z.number().int().optional(),
  /** The raw outputs, in draw order (`--keep-outputs`). */
  outputs: z.array(z.string()).optional(),
});
export type RolloutEntry = z.infer<typeof RolloutEntry>;

/** An accepted question-answer pair: one JSON line in `qa/part-*.jsonl`. */
export const QaRecord = z.object({
  /** Stable hash of (doc_id, persona, normalised question, normalised answer). */
  id: z.string(),
  question: z.string().min(1),
  answer: z.string().min(1),
  answer_type: AnswerType,
  domain: z.string(),
  persona: z.string(),
  /** What that persona wants to learn from the document (identify stage). */
  persona_focus: z.string().optional(),
  doc_id: z.string(),
  source: SourceLocation,
  checks: z.object({
    /** The verifier found the answer correct for the question. */
    correct: z.boolean(),
    /** The answer is supported by the document. */
    grounded: z.boolean(),
    /** The question carries the context it needs to be asked without the document. */
    self_contained: z.boolean(),
    /** True when the answer can be read off the question; accepted pairs have false. */
    leakage: z.boolean(),
    /** The verifier found exactly one right answer to the question (src/quality/answerable.ts). */
    unique: z.boolean().optional(),
    /** A judge that saw only the question (never the document) found it answerable as defined in src/quality/answerable.ts. */
    answerable: z.boolean().optional(),
  }),
  /** Model name used per LLM stage, e.g. { filter: "gpt-4.1", generate: "gpt-4.1", ... }. */
  models: z.record(z.string(), z.string()),
  prompt_version: z.string(),
  /**
   * The answer as the writer gave it, when the guards (src/quality/answer-form.ts) reduced a
   * sentence to its checkable core ("No, sellers are prohibited …" → answer "No").
   */
  answer_original: z.string().optional(),
  /** Other accepted written forms of the answer that the verifier confirmed (unconfirmed ones are dropped). */
  aliases: z.array(z.string()).optional(),
  /** For list answers: true when the order of the items is part of the answer (a sequence, a ranking). */
  ordered: z.boolean().optional(),
  /** Pass rates measured by `webscale-rl rollout`: one entry per model, in the order the models were given. */
  rollout: z.array(RolloutEntry).optional(),
  /**
   * Set by curate/export from `review/decisions.jsonl` (issue 20): who accepted the pair and
   * when, and whether they edited its question or answer (the record then holds the edit).
   */
  reviewed: z.object({ by: z.string(), at: z.string(), edited: z.boolean() }).optional(),
});
export type QaRecord = z.infer<typeof QaRecord>;

/**
 * Everything thrown away: a bad input line, a document rejected by a stage, or a
 * generated pair rejected by check or curation. One JSON line in `rejected/part-*.jsonl`.
 * `reason` is a dotted code whose first part is the stage, e.g. `prefilter.too_short`.
 */
export const Rejection = z.object({
  kind: z.enum(["input", "document", "pair"]),
  stage: z.string(),
  reason: z.string(),
  /** Human-readable detail: the model's short reason, the parse error, ... */
  detail: z.string().optional(),
  doc_id: z.string().optional(),
  source: SourceLocation,
  /** For rejected pairs: the pair as generated. */
  pair: z
    .object({
      id: z.string().optional(),
      question: z.string(),
      answer: z.string(),
      answer_type: z.string().optional(),
      persona: z.string().optional(),
      domain: z.string().optional(),
    })
    .optional(),
  /** The raw model output behind the decision, when a model made it. */
  raw: z.string().optional(),
  /** Stage-specific facts, e.g. { duplicate_of } for dedup or { benchmark, item } for decontamination. */
  data: z.record(z.string(), z.unknown()).optional(),
});
export type Rejection = z.infer<typeof Rejection>;

/** A source document kept because it yielded at least one accepted pair: `documents/part-*.jsonl`. */
export const DocumentRecord = z.object({
  doc_id: z.string(),
  text: z.string(),
  source: SourceLocation,
  domain: z.string().optional(),
});
export type DocumentRecord = z.infer<typeof DocumentRecord>;

/** Token and request counters, used per stage, per model and per endpoint. */
export const LlmCounters = z.object({
  requests: z.number(),
  retries: z.number(),
  errors: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  /** Prompt tokens the server reported as served from its prefix cache. */
  cached_prompt_tokens: z.number(),
  /**
   * Calls answered from the response cache (src/llm/response-cache.ts) instead of a model, and
   * the tokens those replies cost when they were first made. Present only once there was a hit,
   * so stats without a cache look as they always did.
   */
  cache_hits: z.number().optional(),
  cache_saved_prompt_tokens: z.number().optional(),
  cache_saved_completion_tokens: z.number().optional(),
});
export type LlmCounters = z.infer<typeof LlmCounters>;

export const LlmStats = LlmCounters.extend({
  by_stage: z.record(z.string(), LlmCounters),
  by_model: z.record(z.string(), LlmCounters),
  by_endpoint: z.record(z.string(), LlmCounters).optional(),
});
export type LlmStats = z.infer<typeof LlmStats>;

const IoCountersSchema = z.object({ requests: z.number(), bytes: z.number(), retries: z.number(), failures: z.number() });
const IoStatsSchema = IoCountersSchema.extend({ by_scheme: z.record(z.string(), IoCountersSchema) });

/** `stats.json` at the root of a run directory. */
export const Stats = z.object({
  documents_read: z.number(),
  /** Documents whose processing finished (accepted or rejected at some stage). */
  documents_finished: z.number(),
  qa_accepted: z.number(),
  /** Extra units made by splitting long documents into windows (a document in 3 windows adds 2). */
  windows_extra: z.number().optional(),
  /** Units left unfinished in the last session because the model server failed; redone on resume. */
  documents_failed: z.number().optional(),
  /** Counts along the method's funnel, in order. */
  funnel: z.object({
    documents_read: z.number(),
    prefilter_passed: z.number(),
    filter_passed: z.number(),
    identified: z.number(),
    pairs_generated: z.number(),
    pairs_checked: z.number(),
    pairs_accepted: z.number(),
    /**
     * Pairs the pipeline rejected that a reviewer accepted or fixed (webscale-rl review), added
     * back before curation: accepted + rescued = curated + curation and review rejections.
     */
    pairs_rescued: z.number().optional(),
    pairs_curated: z.number().optional(),
  }),
  /** Reason code → count, every stage. */
  rejections: z.record(z.string(), z.number()),
  llm: LlmStats,
  wall_seconds: z.number(),
  throughput: z.object({ documents_per_second: z.number(), pairs_per_second: z.number(), tokens_per_second: z.number() }),
  /** Samples taken during the run, for the report's throughput-over-time chart. */
  timeline: z
    .array(z.object({ t: z.number(), documents: z.number(), accepted: z.number(), prompt_tokens: z.number(), completion_tokens: z.number() }))
    .optional(),
  /** Domain → accepted pairs. */
  domains: z.record(z.string(), z.number()).optional(),
  /** Curation figures (dedup, decontamination per benchmark, quota skips). */
  curation: z.record(z.string(), z.unknown()).optional(),
  /** What the response cache saved: calls answered from it, their tokens, and their list price where known. */
  cache: z
    .object({
      hits: z.number(),
      saved_prompt_tokens: z.number(),
      saved_completion_tokens: z.number(),
      /** Absent when a model with hits has no known price (`unpriced` names them). */
      saved_cost_usd: z.number().optional(),
      unpriced: z.array(z.string()).optional(),
    })
    .optional(),
  /** Rollout figures (`webscale-rl rollout`): samples, pass rates per model, requests and tokens. */
  rollout: z.record(z.string(), z.unknown()).optional(),
  /** Remote inputs (hf://, s3://, https://): requests, bytes, retries after transient faults, reads given up; per scheme too. */
  io: IoStatsSchema.optional(),
});
export type Stats = z.infer<typeof Stats>;
