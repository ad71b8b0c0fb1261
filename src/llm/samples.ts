/**
 * Plain-text samples of one prompt, shared by the engines that talk to OpenAI-compatible
 * servers: the request body (with `n`, and seed + first draw, so that a request with `n` and
 * single requests ask for the same samples), the choices of a reply, and the plan that draws
 * K samples with `n` where the server has it and one request per sample where it does not.
 */
import type OpenAI from "openai";
import { LlmError, type SampleRequest, type TextSample } from "./types.js";

/** The chat-completions body for `n` samples starting at draw `first` (its seed is seed + first). */
export function sampleRequestBody(
  s: { model: string; temperature?: number; maxTokens?: number },
  req: Pick<SampleRequest, "messages" | "sampling">,
  n: number,
  first: number,
): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  const seed = req.sampling?.seed;
  return {
    model: s.model,
    messages: req.messages.map((m) => ({ ...m })),
    temperature: s.temperature ?? req.sampling?.temperature,
    max_tokens: s.maxTokens ?? req.sampling?.max_tokens,
    seed: seed === undefined ? undefined : seed + first,
    // n = 1 is left out: some servers reject the parameter itself.
    ...(n > 1 ? { n } : {}),
  };
}

/** The reply's choices in index order (a server may list them in any order). */
export function choicesOf(completion: OpenAI.Chat.ChatCompletion | undefined): TextSample[] {
  const choices = [...(completion?.choices ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return choices.map((c) => ({ text: c.message?.content ?? "", truncated: c.finish_reason === "length" }));
}

/**
 * Draws `k` samples in order. `ask(first, count)` requests draws first … first + count − 1 and
 * may return fewer (a server that ignored `n`); `nAllowed()` says whether asking for several
 * in one request is still worth trying. Draws left once `n` is out of the question go out as
 * single requests at once, side by side.
 */
export async function drawSamples(k: number, ask: (first: number, count: number) => Promise<TextSample[]>, nAllowed: () => boolean): Promise<TextSample[]> {
  if (!Number.isInteger(k) || k < 1) throw new LlmError("config", `the number of samples must be a whole number ≥ 1, got ${k}`);
  const out: TextSample[] = [];
  while (out.length < k) {
    const left = k - out.length;
    if (left > 1 && nAllowed()) {
      out.push(...(await ask(out.length, left)).slice(0, left));
      continue;
    }
    const first = out.length;
    const singles = await Promise.all(Array.from({ length: left }, (_, j) => ask(first + j, 1)));
    for (const one of singles) out.push(one[0]!);
  }
  return out;
}
