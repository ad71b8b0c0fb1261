/** One demonstration of the domain library (data/demos/<slug>.jsonl): our own short material and the pair it yields. */
import { z } from "zod";
import { AnswerType } from "../records.js";

export const Demo = z.object({
  domain: z.string(),
  /** A short original passage (40–120 words): compact, so few-shot prompts stay cheap. */
  material: z.string().min(1),
  persona: z.string().min(1),
  question: z.string().min(1),
  answer: z.string().min(1),
  answer_type: AnswerType,
  /** Other correct written forms of the answer (each must score 1 against the answer in the reward). */
  aliases: z.array(z.string()).optional(),
  /** List answers: whether the order of the items matters. */
  ordered: z.boolean().optional(),
});
export type Demo = z.infer<typeof Demo>;

/** File name of a domain's library: "Medicine & Health" -> "medicine-and-health.jsonl". */
export function domainSlug(domain: string): string {
  return domain
    .toLowerCase()
    .replace(/&/g, "and")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
