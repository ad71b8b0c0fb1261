/**
 * Request bodies of the reward server, validated by hand so every error names its field:
 * OpenRLHF's remote reward protocol (`/get_reward`) and the batch route (`/score`).
 */
import type { RewardInput } from "./score.js";

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function stringArray(body: Record<string, unknown>, key: string, required: boolean): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new BadRequest(`"${key}" is required: an array of strings`, key);
    return undefined;
  }
  if (!Array.isArray(v)) throw new BadRequest(`"${key}" must be an array of strings`, key);
  v.forEach((x, i) => {
    if (typeof x !== "string") throw new BadRequest(`"${key}[${i}]" must be a string, got ${x === null ? "null" : typeof x}`, `${key}[${i}]`);
  });
  return v as string[];
}

function object(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new BadRequest("the body must be a JSON object");
  return body as Record<string, unknown>;
}

/**
 * A label may be a plain ground truth ("Paris", or "Paris | Paris, France"), or JSON for labels
 * carrying aliases and the order flag: {"answer": "...", "aliases": [...], "ordered": true} (the
 * export's `reward_label`) or ["form 1", "form 2"].
 */
export function parseLabel(label: string): { groundTruth: string; aliases?: string[]; ordered?: boolean } {
  const t = label.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) return { groundTruth: v[0], aliases: v.slice(1) };
      if (v && typeof v === "object" && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        const answer = o.answer ?? o.ground_truth;
        if (typeof answer === "string") {
          const aliases = Array.isArray(o.aliases) ? o.aliases.filter((a): a is string => typeof a === "string") : undefined;
          return { groundTruth: answer, aliases, ...(typeof o.ordered === "boolean" ? { ordered: o.ordered } : {}) };
        }
      }
    } catch {
      // Not JSON after all: a ground truth that happens to start with a bracket.
    }
  }
  return { groundTruth: label };
}

/** The policy's response inside OpenRLHF's `query` (prompt + response): what follows the prompt. */
export function responseFromQuery(query: string, prompt: string | undefined): string {
  if (!prompt) return query;
  if (query.startsWith(prompt)) return query.slice(prompt.length);
  const at = query.lastIndexOf(prompt);
  return at >= 0 ? query.slice(at + prompt.length) : query;
}

export function parseGetReward(body: unknown, maxItems: number): RewardInput[] {
  const o = object(body);
  const query = stringArray(o, "query", true)!;
  const prompts = stringArray(o, "prompts", false);
  const labels = stringArray(o, "labels", true)!;
  if (query.length > maxItems) throw new BadRequest(`too many items: ${query.length} > ${maxItems}`, "query");
  if (labels.length !== query.length) throw new BadRequest(`"labels" has ${labels.length} entries but "query" has ${query.length}`, "labels");
  if (prompts && prompts.length !== query.length) throw new BadRequest(`"prompts" has ${prompts.length} entries but "query" has ${query.length}`, "prompts");
  return query.map((q, i) => ({ ...parseLabel(labels[i]), question: prompts?.[i], response: responseFromQuery(q, prompts?.[i]) }));
}

export function parseScoreBatch(body: unknown, maxItems: number): RewardInput[] {
  const o = object(body);
  const items = o.items;
  if (!Array.isArray(items)) throw new BadRequest('"items" is required: an array of {question?, ground_truth, response, aliases?, ordered?}', "items");
  if (items.length > maxItems) throw new BadRequest(`too many items: ${items.length} > ${maxItems}`, "items");
  return items.map((raw, i) => {
    const at = `items[${i}]`;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new BadRequest(`"${at}" must be an object`, at);
    const it = raw as Record<string, unknown>;
    if (typeof it.ground_truth !== "string") throw new BadRequest(`"${at}.ground_truth" must be a string`, `${at}.ground_truth`);
    if (typeof it.response !== "string") throw new BadRequest(`"${at}.response" must be a string`, `${at}.response`);
    if (it.question !== undefined && it.question !== null && typeof it.question !== "string") throw new BadRequest(`"${at}.question" must be a string`, `${at}.question`);
    const aliases = stringArray(it, "aliases", false);
    if (it.ordered !== undefined && it.ordered !== null && typeof it.ordered !== "boolean") throw new BadRequest(`"${at}.ordered" must be true, false or null`, `${at}.ordered`);
    return {
      groundTruth: it.ground_truth,
      response: it.response,
      question: typeof it.question === "string" ? it.question : undefined,
      aliases,
      ...(typeof it.ordered === "boolean" ? { ordered: it.ordered } : {}),
    };
  });
}
