/**
 * The start-up check of the model servers a run will use, before anything is written: each
 * (base URL, key) the run's stages name is asked for its model list (`GET …/models`), once.
 * A refused key (401), a forbidden one (403), a server that cannot be reached, or a configured
 * model the server does not list stops the run with one line saying what to do. A server that
 * cannot list its models (404 on that route) or is busy (429/5xx) is let through with a note:
 * it answers, and the run's own requests will tell.
 */
import type { LlmConfig } from "../config/schema.js";
import { endpointKey } from "./endpoint-pool.js";
import { checkBaseUrl, openAIClientFor, stageConnection } from "./openai-engine.js";
import { classifyFailure } from "./retry.js";
import { RUN_FLAGS, serverProblem, unknownModel, type FixFlags } from "./server-problem.js";
import { LlmError } from "./types.js";

export interface ServerCheckOptions {
  log?: (msg: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Per request (default: the config's timeout, at most 20 s). */
  timeoutMs?: number;
  /** The settings a failure's fix names (default: the run's). */
  flags?: FixFlags;
}

interface Target {
  baseUrl: string;
  apiKey: string;
  /** model → the stages that use it. */
  models: Map<string, string[]>;
}

/** Throws LlmError("config") with one line when a server used by `stages` would refuse the run. */
export async function checkModelServers(cfg: LlmConfig, stages: string[], opts: ServerCheckOptions = {}): Promise<void> {
  const targets = new Map<string, Target>();
  for (const stage of stages) {
    const conn = stageConnection(cfg, stage, opts.env);
    for (const baseUrl of conn.baseUrls) {
      checkBaseUrl(baseUrl, conn.label);
      const id = `${baseUrl}\u0000${conn.apiKey}`;
      const t = targets.get(id) ?? { baseUrl, apiKey: conn.apiKey, models: new Map<string, string[]>() };
      if (conn.model !== undefined) t.models.set(conn.model, [...(t.models.get(conn.model) ?? []), stage]);
      targets.set(id, t);
    }
  }
  const timeoutMs = opts.timeoutMs ?? Math.min(cfg.timeoutMs, 20_000);
  await Promise.all([...targets.values()].map((t) => checkOne(t, timeoutMs, opts.flags ?? RUN_FLAGS, opts.log)));
}

async function checkOne(t: Target, timeoutMs: number, flags: FixFlags, log?: (msg: string) => void): Promise<void> {
  const endpoint = endpointKey(t.baseUrl);
  const client = openAIClientFor(t.baseUrl, t.apiKey, timeoutMs);
  let served: string[];
  try {
    const page = await client.models.list({ timeout: timeoutMs, maxRetries: 0 });
    served = page.data.map((m) => m.id);
  } catch (err) {
    const f = classifyFailure(err, false);
    if (f.status === 401 || f.status === 403 || f.status === undefined) {
      throw new LlmError("config", serverProblem(f, endpoint, "listing its models", flags), { status: f.status });
    }
    log?.(`llm: ${endpoint} did not list its models (HTTP ${f.status}: ${f.message}); the model name is not checked before the run`);
    return;
  }
  if (served.length === 0) return;
  for (const [model, usedBy] of t.models) {
    if (!served.includes(model)) throw new LlmError("config", unknownModel(model, endpoint, served, `used by ${usedBy.join(", ")}`, flags));
  }
}
