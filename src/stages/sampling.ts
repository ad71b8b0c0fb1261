/**
 * Sampling defaults per stage. Judging stages run at temperature 0 (a verdict should not
 * depend on a dice roll); only writing samples. Every call carries a `max_tokens` sized to
 * its reply schema with room to spare, so a model that loops costs a bounded number of
 * tokens; a reply cut at the limit becomes a counted rejection with its raw text (the model
 * layer gives it one corrective turn first). `llm.defaults` / `llm.stages.<stage>` in the
 * config (`temperature`, `maxTokens`) and `--temperature` / `--max-tokens` override these.
 */
import type { Sampling } from "../llm/types.js";

interface StageDefault {
  temperature: number;
  /** Tokens for the reply's frame, plus per item (persona, pair or question) it holds. */
  base: number;
  perItem: number;
}

export const STAGE_SAMPLING: Record<string, StageDefault> = {
  filter: { temperature: 0, base: 200, perItem: 0 },
  identify: { temperature: 0, base: 80, perItem: 60 },
  filter_identify: { temperature: 0, base: 240, perItem: 60 },
  generate: { temperature: 0.7, base: 450, perItem: 0 },
  generate_all: { temperature: 0.7, base: 60, perItem: 400 },
  check: { temperature: 0, base: 700, perItem: 0 },
  check_all: { temperature: 0, base: 60, perItem: 650 },
  answerable: { temperature: 0, base: 200, perItem: 0 },
  answerable_all: { temperature: 0, base: 40, perItem: 180 },
};

/** `items`: personas (identify, generate_all), pairs (check_all) or questions (answerable_all) in the reply. */
export function stageSampling(stage: string, items: number, seed: number): Sampling {
  const d = STAGE_SAMPLING[stage];
  if (!d) return { seed };
  return { temperature: d.temperature, max_tokens: d.base + d.perItem * items, seed };
}
