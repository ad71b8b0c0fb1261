/**
 * What each trainer reads: the columns (one fixed shape per format) and how a QA record
 * becomes a row. The trainer versions these follow are listed in docs/export.md.
 */
import type { QaRecord } from "../records.js";
import { MESSAGES, col, t, type Column } from "./columns.js";
import type { ChatMessage } from "./policy-prompt.js";
import type { Row } from "./sinks.js";

export const EXPORT_FORMATS = ["verl", "openrlhf", "trl", "hf"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface RowContext {
  /** 0-based position of the row within its split. */
  index: number;
  split: string;
  dataSource: string;
  messages: ChatMessage[];
  /** Present only with --include-source-text; null when documents/ lacks the doc. */
  sourceText?: string | null;
}

export interface FormatSpec {
  columns(includeSourceText: boolean): Column[];
  row(rec: QaRecord, ctx: RowContext): Row;
}

const withSource = (cols: Column[], include: boolean): Column[] => (include ? [...cols, col("source_text", t.string)] : cols);

/**
 * Measured difficulty (`webscale-rl rollout`): `pass_rate` is the first model's (the first
 * rolled out: the policy's own base model in the recipe), `pass_rates` every model's. Null and
 * empty for pairs that were not rolled out. A trainer's data filter or curriculum reads them.
 */
const PASS_RATES: Column[] = [
  col("pass_rate", t.double),
  col("pass_rates", t.list(t.struct([col("model", t.string), col("pass_rate", t.double), col("correct", t.int64), col("samples", t.int64)]))),
];
const passRates = (rec: QaRecord): Row => ({
  pass_rate: rec.rollout?.[0]?.pass_rate ?? null,
  pass_rates: (rec.rollout ?? []).map((e) => ({ model: e.model, pass_rate: e.pass_rate, correct: e.correct, samples: e.samples })),
});
const sourceField = (ctx: RowContext): Row => (ctx.sourceText === undefined ? {} : { source_text: ctx.sourceText });

/**
 * Human review (QaRecord.reviewed, issue 20) in the metadata-rich formats, flat and null
 * when nobody reviewed the pair: who accepted it, when, and whether they edited it.
 */
const REVIEW_COLUMNS: Column[] = [col("reviewed_by", t.string), col("reviewed_at", t.string), col("review_edited", t.bool)];
const reviewFields = (rec: QaRecord): Row => ({ reviewed_by: rec.reviewed?.by ?? null, reviewed_at: rec.reviewed?.at ?? null, review_edited: rec.reviewed?.edited ?? null });

/** verl's RLHFDataset: prompt messages, ability, reward_model, extra_info (one struct type). */
const verl: FormatSpec = {
  columns: (include) => [
    col("data_source", t.string),
    col("prompt", MESSAGES),
    col("ability", t.string),
    col("reward_model", t.struct([col("style", t.string), col("ground_truth", t.string)])),
    col(
      "extra_info",
      t.struct(
        withSource(
          [
            col("index", t.int64),
            col("split", t.string),
            col("id", t.string),
            col("question", t.string),
            col("answer", t.string),
            col("answer_type", t.string),
            col("aliases", t.list(t.string)),
            col("ordered", t.bool),
            col("domain", t.string),
            col("persona", t.string),
            col("doc_id", t.string),
            col("source_url", t.string),
            col("prompt_version", t.string),
            ...PASS_RATES,
            ...REVIEW_COLUMNS,
          ],
          include,
        ),
      ),
    ),
  ],
  row: (rec, ctx) => ({
    data_source: ctx.dataSource,
    prompt: ctx.messages,
    ability: rec.domain,
    reward_model: { style: "rule", ground_truth: rec.answer },
    extra_info: {
      index: ctx.index,
      split: ctx.split,
      id: rec.id,
      question: rec.question,
      answer: rec.answer,
      answer_type: rec.answer_type,
      aliases: rec.aliases ?? [],
      ordered: rec.ordered ?? null,
      domain: rec.domain,
      persona: rec.persona,
      doc_id: rec.doc_id,
      source_url: rec.source.url ?? null,
      prompt_version: rec.prompt_version,
      ...passRates(rec),
      ...reviewFields(rec),
      ...sourceField(ctx),
    },
  }),
};

/** Metadata columns shared by the flat formats (`ordered`: null unless the answer is a list). */
const META: Column[] = [
  col("id", t.string),
  col("question", t.string),
  col("answer_type", t.string),
  col("aliases", t.list(t.string)),
  col("ordered", t.bool),
  col("domain", t.string),
  col("persona", t.string),
  col("doc_id", t.string),
  col("data_source", t.string),
  ...PASS_RATES,
];
const meta = (rec: QaRecord, ctx: RowContext): Row => ({
  id: rec.id,
  question: rec.question,
  answer_type: rec.answer_type,
  aliases: rec.aliases ?? [],
  ordered: rec.ordered ?? null,
  domain: rec.domain,
  persona: rec.persona,
  doc_id: rec.doc_id,
  data_source: ctx.dataSource,
  ...passRates(rec),
});

/**
 * What the reward server needs besides the response, as one JSON label: OpenRLHF sends the
 * reward server only prompts and labels, so aliases and the order flag travel inside the label
 * (src/reward/protocol.ts reads it).
 */
export function rewardLabel(rec: QaRecord): string {
  return JSON.stringify({ answer: rec.answer, aliases: rec.aliases ?? [], ...(rec.ordered !== undefined ? { ordered: rec.ordered } : {}) });
}

/**
 * OpenRLHF: `--data.input_key input --data.label_key reward_label` (0.10.2+; `--input_key`/`--label_key`
 * before), `label` keeping the plain answer for other uses.
 */
const openrlhf: FormatSpec = {
  columns: (include) => withSource([col("input", MESSAGES), col("label", t.string), col("reward_label", t.string), ...META], include),
  row: (rec, ctx) => ({ input: ctx.messages, label: rec.answer, reward_label: rewardLabel(rec), ...meta(rec, ctx), ...sourceField(ctx) }),
};

/** TRL GRPOTrainer: conversational `prompt`; extra columns reach reward functions as kwargs. */
const trl: FormatSpec = {
  columns: (include) => withSource([col("prompt", MESSAGES), col("ground_truth", t.string), col("solution", t.string), ...META], include),
  row: (rec, ctx) => ({ prompt: ctx.messages, ground_truth: rec.answer, solution: rec.answer, ...meta(rec, ctx), ...sourceField(ctx) }),
};

/** A Hub dataset: the pairs themselves, trainer-neutral (no policy prompt baked in). */
const hf: FormatSpec = {
  columns: (include) =>
    withSource(
      [
        col("id", t.string),
        col("question", t.string),
        col("answer", t.string),
        col("answer_type", t.string),
        col("aliases", t.list(t.string)),
        col("ordered", t.bool),
        col("domain", t.string),
        col("persona", t.string),
        col("doc_id", t.string),
        col("source_file", t.string),
        col("source_url", t.string),
        col("prompt_version", t.string),
        ...PASS_RATES,
        ...REVIEW_COLUMNS,
      ],
      include,
    ),
  row: (rec, ctx) => ({
    id: rec.id,
    question: rec.question,
    answer: rec.answer,
    answer_type: rec.answer_type,
    aliases: rec.aliases ?? [],
    ordered: rec.ordered ?? null,
    domain: rec.domain,
    persona: rec.persona,
    doc_id: rec.doc_id,
    source_file: rec.source.file,
    source_url: rec.source.url ?? null,
    prompt_version: rec.prompt_version,
    ...passRates(rec),
    ...reviewFields(rec),
    ...sourceField(ctx),
  }),
};

export const FORMATS: Record<ExportFormat, FormatSpec> = { verl, openrlhf, trl, hf };
