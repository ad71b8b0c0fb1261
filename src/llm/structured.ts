/**
 * Structured output: the JSON schema sent to the server, the prompt-embedded fallback, and
 * tolerant parsing of whatever came back (fences, prose, trailing commas, truncation) before
 * the reply is validated with the stage's zod schema.
 */
import { jsonrepair } from "jsonrepair";
import { z } from "zod";
import { LlmError, type ChatMessage } from "./types.js";

const jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

/** The JSON schema of what the model must write (zod's input side: defaults may be omitted). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  let out = jsonSchemas.get(schema);
  if (!out) {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
    out = rest;
    jsonSchemas.set(schema, out);
  }
  return out;
}

/** The sentence appended in prompt mode; the fake test server looks for exactly this marker. */
export function schemaInstruction(schemaName: string, jsonSchema: unknown): string {
  return `\n\nRespond with JSON only, matching the schema "${schemaName}":\n${JSON.stringify(jsonSchema)}`;
}

/** A copy of the messages with `text` appended to the last user message. */
export function appendToLastUser(messages: ChatMessage[], text: string): ChatMessage[] {
  const out = messages.map((m) => ({ ...m }));
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i].role === "user") {
      out[i].content += text;
      return out;
    }
  }
  out.push({ role: "user", content: text.trimStart() });
  return out;
}

/**
 * The JSON text inside a reply: without reasoning blocks and code fences, from the first
 * `{` to its matching `}` (or to the end, when the reply was cut off).
 */
export function extractJsonText(raw: string): string {
  let text = raw.replace(/<think>[\s\S]*?<\/think>/g, "").trim();
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)(?:```|$)/.exec(text);
  if (fence && fence[1].includes("{")) text = fence[1];
  let start = text.indexOf("{");
  if (start < 0) start = text.indexOf("[");
  if (start < 0) return text.trim();
  const open = text[start];
  const close = open === "{" ? "}" : "]";
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

export type ParseOutcome<T> = { ok: true; value: T; repaired: boolean } | { ok: false; errors: string };

/**
 * Parse and validate a reply; `repaired` tells whether jsonrepair had to fix the text.
 * `cut`: the server stopped at max_tokens. jsonrepair would close a cut-off string and the
 * value might validate, silently truncated; such a reply fails instead (the engines give it
 * their one corrective turn, then reject it with its raw text).
 */
export function parseReply<S extends z.ZodType>(raw: string, schema: S, cut = false): ParseOutcome<z.infer<S>> {
  const out = parseJsonReply(raw, schema);
  if (!cut) return out;
  const note = "the reply was cut off at the token limit (max_tokens)";
  if (out.ok) return out.repaired ? { ok: false, errors: note } : out;
  return { ok: false, errors: `${out.errors} (${note})` };
}

function parseJsonReply<S extends z.ZodType>(raw: string, schema: S): ParseOutcome<z.infer<S>> {
  const text = extractJsonText(raw);
  let value: unknown;
  let repaired = false;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      value = JSON.parse(jsonrepair(text));
      repaired = true;
    } catch (err) {
      return { ok: false, errors: `the reply is not JSON (${(err as Error).message.split("\n")[0]})` };
    }
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data, repaired };
  return { ok: false, errors: formatIssues(result.error) };
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

/** The two messages of the one corrective retry: the model's own reply, then what was wrong. */
export function correctionMessages(raw: string, errors: string, schemaName: string): ChatMessage[] {
  return [
    { role: "assistant", content: raw },
    {
      role: "user",
      content:
        `Your reply could not be used: ${errors}. ` +
        `Reply again with a single JSON object for the schema ${schemaName}, with no other text.`,
    },
  ];
}

/**
 * The chat-completions body both online and batch engines send for one attempt: the stage's
 * model and sampling, the schema as response_format or embedded in the prompt, and any
 * corrective turns. One builder, so a batch line and a live request are the same request.
 */
export function chatRequestBody(
  s: { model: string; temperature?: number; maxTokens?: number },
  req: { messages: ChatMessage[]; schemaName: string; sampling?: { temperature?: number; max_tokens?: number; seed?: number } },
  jsonSchema: unknown,
  mode: "prompt" | "json_schema",
  correction: ChatMessage[],
) {
  const messages = mode === "prompt" ? appendToLastUser(req.messages, schemaInstruction(req.schemaName, jsonSchema)) : req.messages.map((m) => ({ ...m }));
  messages.push(...correction);
  return {
    model: s.model,
    messages,
    temperature: s.temperature ?? req.sampling?.temperature,
    max_tokens: s.maxTokens ?? req.sampling?.max_tokens,
    seed: req.sampling?.seed,
    ...(mode === "json_schema" ? { response_format: { type: "json_schema" as const, json_schema: { name: req.schemaName, schema: jsonSchema as Record<string, unknown>, strict: false } } } : {}),
  };
}

/** The error of a reply that still did not match its schema after the corrective turn (every engine's last word). */
export function uncorrectableReply(req: { stage: string; schemaName: string }, errors: string, raw: string, model: string): LlmError {
  return new LlmError("invalid_output", `${req.stage}: the reply did not match ${req.schemaName} even after a corrective retry: ${errors}`, { stage: req.stage, raw, model });
}
