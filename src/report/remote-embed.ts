/**
 * Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, vLLM, TEI,
 * llama.cpp server, Ollama). Not a chat stage, so it lives here rather than in src/llm.
 * Batched; retried a few times on 429/5xx; the API key never appears in errors.
 */
import { normalise } from "./lexical-embed.js";

export interface RemoteEmbedOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  batchSize?: number;
  retries?: number;
}

export async function remoteEmbed(texts: string[], opts: RemoteEmbedOptions): Promise<Float32Array[]> {
  const url = `${opts.baseUrl.replace(/\/+$/, "")}/embeddings`;
  const batchSize = opts.batchSize ?? 128;
  const out: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    const input = texts.slice(start, start + batchSize);
    const data = await postWithRetry(url, { model: opts.model, input }, opts.apiKey, opts.retries ?? 3);
    if (!Array.isArray(data) || data.length !== input.length) {
      throw new Error(`embeddings endpoint ${url} returned ${Array.isArray(data) ? data.length : "no"} vectors for ${input.length} inputs`);
    }
    const sorted = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    for (const item of sorted) {
      if (!Array.isArray(item?.embedding)) throw new Error(`embeddings endpoint ${url} returned an item without an "embedding" array`);
      out.push(normalise(Float32Array.from(item.embedding as number[])));
    }
  }
  return out;
}

async function postWithRetry(url: string, body: unknown, apiKey: string | undefined, retries: number): Promise<Array<{ index?: number; embedding?: unknown }>> {
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    let detail = "";
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify(body),
      });
      status = res.status;
      if (res.ok) return ((await res.json()) as { data: Array<{ index?: number; embedding?: unknown }> }).data;
      detail = (await res.text()).slice(0, 200);
    } catch (e) {
      detail = (e as Error).message;
    }
    const retryable = status === 0 || status === 429 || status >= 500;
    if (!retryable || attempt >= retries) {
      throw new Error(`embeddings request to ${url} failed${status ? ` with HTTP ${status}` : ""}: ${detail}`);
    }
    await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
  }
}
