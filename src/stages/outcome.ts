/**
 * What a model-calling stage returns: a value, or a Rejection with a reason code. Errors from
 * the model layer become values here: an invalid reply or a too-long prompt rejects the
 * document (or pair); a transient failure (server down after all retries) is thrown as
 * `TransientFailure`, so the orchestrator leaves the document unfinished for the next resume
 * instead of recording a rejection that was not the document's fault.
 */
import type { z } from "zod";
import { LlmError, type ChatMessage, type LlmClient } from "../llm/types.js";
import type { Doc, Rejection } from "../records.js";
import type { DemoLibrary } from "../prompts/demos.js";
import type { RunConfig } from "../config/schema.js";
import { stageSampling } from "./sampling.js";

export interface StageContext {
  llm: LlmClient;
  config: RunConfig;
  demos: DemoLibrary;
  /** The run's handbook (prompts/handbook.ts): the system message of every call. */
  system: string;
}

export type Outcome<T> = { ok: true; value: T; raw: string; model: string } | { ok: false; rejection: Rejection };

export class TransientFailure extends Error {
  constructor(readonly cause: LlmError) {
    super(cause.message);
    this.name = "TransientFailure";
  }
}

export function rejectDoc(doc: Doc, stage: string, code: string, detail?: string, raw?: string): Rejection {
  return { kind: "document", stage, reason: `${stage}.${code}`, detail, doc_id: doc.id, source: doc.source, raw };
}

export async function callModel<S extends z.ZodType>(
  ctx: StageContext,
  doc: Doc,
  stage: string,
  schemaName: string,
  schema: S,
  messages: ChatMessage[],
  /** Personas, pairs or questions the reply holds: sizes its max_tokens (stages/sampling.ts). */
  items = 1,
  onReject: (code: string, detail: string, raw?: string) => Rejection = (code, detail, raw) => rejectDoc(doc, stage, code, detail, raw),
): Promise<Outcome<z.infer<S>>> {
  try {
    const res = await ctx.llm.complete({ stage, messages, schema, schemaName, sampling: stageSampling(stage, items, ctx.config.seed) });
    return { ok: true, value: res.value, raw: res.raw, model: res.model };
  } catch (err) {
    if (!(err instanceof LlmError)) throw err;
    if (err.code === "invalid_output") return { ok: false, rejection: onReject("invalid_output", err.message, err.details.raw) };
    if (err.code === "context_length") return { ok: false, rejection: onReject("context_length", err.message) };
    // The server refuses every request (bad key, unknown model) or the setup is wrong: the run stops.
    if (err.code === "config" || err.code === "refused") throw err;
    throw new TransientFailure(err);
  }
}
