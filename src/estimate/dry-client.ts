/**
 * A model client that calls no model: `webscale-rl estimate` runs the real stages
 * (src/stages/process-document.ts) against it, so the requests it records are exactly the
 * ones a run would send (same prompts, same plan, same windows), and each gets a reply of
 * typical size (typical-replies.ts) that lets the document go on to its next call.
 *
 * For every request it records the prompt tokens (the shared estimate, `estimateTokens`, per
 * message, as the project's servers and benches count them), the reply's tokens, the items
 * the call carries (personas, pairs or questions), and the prompt tokens a prefix cache would
 * serve: the system message (the handbook or the judge's, the same for every call of a run,
 * so a server prefills it once: `systemMessages` lists them for that one-off cost), plus the
 * longest start the user message shares with an earlier call on the same document (the
 * document block, which every call on it starts with). That is how docs/performance.md
 * reasons about the prefix cache; it assumes a cache large enough to hold a document between
 * its calls, and counts to the character where a server caches in blocks of ~16-32 tokens.
 */
import { z } from "zod";
import { emptyLlmStats } from "../llm/counters.js";
import { LlmError, type CompleteRequest, type CompleteResult, type LlmClient, type SampleResult } from "../llm/types.js";
import type { RunConfig } from "../config/schema.js";
import { estimateTokens } from "../util/tokens.js";
import { fnv1a32 } from "../util/hash.js";
import { typicalReply } from "./typical-replies.js";
import { stageModel } from "./stage-models.js";

export interface DryCall {
  stage: string;
  promptTokens: number;
  /** Of `promptTokens`: what a prefix cache would serve (see above). */
  cachedTokens: number;
  completionTokens: number;
  /** Personas, pairs or questions the call carries (1 for single-item calls). */
  items: number;
}

/** Replies keyed P1…/Q1… (stages/keyed.ts): one key of the schema per item. */
const KEYED = new Set(["generated_pairs", "check_verdicts", "answerable_verdicts"]);
/** Replies that list the document's personas, up to --personas (the estimate assumes the model fills them all). */
const PERSONA_LISTS = new Set(["identify_result", "filter_identify_result"]);

function itemsOf(schemaName: string, schema: z.ZodType, personas: number): number {
  if (PERSONA_LISTS.has(schemaName)) return personas;
  if (KEYED.has(schemaName) && schema instanceof z.ZodObject) return Object.keys(schema.shape).length;
  return 1;
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export class DryClient implements LlmClient {
  readonly maxConcurrency = 1;
  readonly calls: DryCall[] = [];
  /** Each distinct system message, with its tokens and the stage that sent it first: a server prefills each once per run. */
  readonly systemMessages = new Map<string, { tokens: number; stage: string }>();
  /** User messages sent on the current document, by system message: what a later call on it can share. */
  private unitPrompts: { system: string; user: string }[] = [];

  constructor(private readonly config: RunConfig) {}

  /** A new document (or window) begins: its predecessor's prompts no longer share a prefix with what follows. */
  startUnit(): void {
    this.unitPrompts = [];
  }

  async complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
    const system = req.messages.find((m) => m.role === "system")?.content ?? "";
    const user = req.messages.filter((m) => m.role !== "system").map((m) => m.content).join("\n");
    const systemTokens = estimateTokens(system);
    if (system && !this.systemMessages.has(system)) this.systemMessages.set(system, { tokens: systemTokens, stage: req.stage });
    let shared = 0;
    for (const p of this.unitPrompts) if (p.system === system) shared = Math.max(shared, commonPrefixLength(p.user, user));
    this.unitPrompts.push({ system, user });
    const promptTokens = req.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    const cachedTokens = Math.min(promptTokens, systemTokens + (shared > 0 ? estimateTokens(user.slice(0, shared)) : 0));

    const items = itemsOf(req.schemaName, req.schema, this.config.personas);
    const persona = Number(/Write for P(\d+) only\./.exec(user)?.[1] ?? 1) - 1;
    // Spread documents over the domains (each has its own demonstrations, of its own length), as a real corpus does.
    const domain = this.config.domains[fnv1a32(user) % this.config.domains.length]!;
    const reply = typicalReply(req.schemaName, { items, persona, domain });
    if (reply === undefined) throw new LlmError("config", `estimate: no typical reply for the schema "${req.schemaName}"`, { stage: req.stage });
    // The reply must be one the stage accepts, or the estimate would follow another path than a run.
    const value = req.schema.parse(reply) as z.infer<S>;
    const raw = JSON.stringify(reply);
    const completionTokens = estimateTokens(raw);
    this.calls.push({ stage: req.stage, promptTokens, cachedTokens, completionTokens, items });
    return { value, raw, model: this.modelFor(req.stage), usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, cached_prompt_tokens: cachedTokens } };
  }

  async sample(): Promise<SampleResult> {
    throw new LlmError("config", "estimate: the pipeline's stages do not sample plain text");
  }

  stats() {
    return emptyLlmStats();
  }

  modelFor(stage: string): string {
    return stageModel(this.config, stage);
  }

  async close(): Promise<void> {}
}
