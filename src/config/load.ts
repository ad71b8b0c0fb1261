/**
 * Builds the run configuration: defaults < YAML config file < environment
 * (OPENAI_BASE_URL, OPENAI_API_KEY) < command-line flags. Every problem is reported
 * before any work starts, with what to do about it.
 */
import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { RunConfig } from "./schema.js";
import { wantsEmbeddedDefault } from "../llm/default-model.js";
import { applyLocalDefaults } from "./local-defaults.js";
import { LLM_STAGES } from "../records.js";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A model is named but no server to reach it: `run` stops here; `estimate`, which reaches none, goes on. */
export class NoServerError extends ConfigError {}

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Deep merge where later layers win; arrays are replaced, undefined never overwrites. Objects
 * are copied, never shared with a layer: resolving a config fills in choices (the engine,
 * defaults) that must not leak back into the caller's layer (the queue stores it as given).
 */
export function mergeLayers(...layers: Plain[]): Plain {
  const out: Plain = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      out[k] = isPlain(v) ? mergeLayers(isPlain(out[k]) ? out[k] : {}, v) : v;
    }
  }
  return out;
}

/** A base URL may be written as one string or a list in YAML; the schema wants a list. */
function normaliseBaseUrls(node: unknown): void {
  if (!isPlain(node)) return;
  if (typeof node.baseUrl === "string") node.baseUrl = [node.baseUrl];
  for (const v of Object.values(node)) normaliseBaseUrls(v);
}

export function readConfigFile(path: string): Plain {
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`);
  let value: unknown;
  try {
    value = parseYaml(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(e as Error).message}`);
  }
  if (value == null) return {};
  if (!isPlain(value)) throw new ConfigError(`config file ${path} must be a YAML mapping (key: value)`);
  normaliseBaseUrls(value);
  return value;
}

/** Values of WEBSCALE_RL_CACHE that turn the response cache off rather than name its folder. */
const CACHE_OFF = new Set(["off", "0", "false", "no", "none"]);

export function envLayer(env: NodeJS.ProcessEnv): Plain {
  const defaults: Plain = {};
  if (env.OPENAI_BASE_URL) defaults.baseUrl = env.OPENAI_BASE_URL.split(",").map((s) => s.trim()).filter(Boolean);
  if (env.OPENAI_API_KEY) defaults.apiKey = env.OPENAI_API_KEY;
  const llm: Plain = {};
  if (Object.keys(defaults).length) llm.defaults = defaults;
  const cache = env.WEBSCALE_RL_CACHE?.trim();
  if (cache) llm.cache = CACHE_OFF.has(cache.toLowerCase()) ? { enabled: false } : { enabled: true, dir: cache };
  return Object.keys(llm).length ? { llm } : {};
}

export function parseShard(spec: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new ConfigError(`--shard takes I/N, e.g. 0/8 (got "${spec}")`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new ConfigError(`--shard ${spec}: I must be between 0 and N-1`);
  return { index, count };
}

function describeIssues(err: z.ZodError, where: string): string {
  return err.issues
    .map((i) => {
      const path = i.path.join(".");
      if (i.code === "unrecognized_keys") {
        const known = knownKeysAt(RunConfig, i.path);
        return i.keys
          .map((k) => {
            const hint = closest(k, known);
            return `unknown key "${path ? `${path}.` : ""}${k}"${where}${hint ? ` (did you mean "${hint}"?)` : ""}; known keys${path ? ` under ${path}` : ""}: ${known.join(", ")}`;
          })
          .join("; ");
      }
      return `${path || "config"}: ${i.message}`;
    })
    .join("; ");
}

/** Quota domains must be domains of the run: a typo would otherwise cap nothing. */
export function checkQuotaDomains(quotaDomains: string[], domains: readonly string[]): void {
  const unknown = quotaDomains.filter((d) => !domains.includes(d));
  if (unknown.length === 0) return;
  const named = unknown.map((d) => {
    const hint = closest(d, [...domains]);
    return `"${d}"${hint ? ` (did you mean "${hint}"?)` : ""}`;
  });
  throw new ConfigError(`--domain-quota names unknown domain${unknown.length > 1 ? "s" : ""} ${named.join(", ")}; the domains are: ${domains.join("; ")}`);
}

/** The keys an object of the schema takes at `path` (through defaults, optionals and records). */
function knownKeysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  const unwrap = (n: z.ZodType): z.ZodType => {
    for (;;) {
      if (n instanceof z.ZodDefault || n instanceof z.ZodOptional || n instanceof z.ZodNullable) n = n.unwrap() as z.ZodType;
      else if (n instanceof z.ZodPipe) n = n.in as z.ZodType; // a transform: the keys are those of its input
      else if (n instanceof z.ZodUnion) n = ((n.options as unknown as z.ZodType[]).find((o) => unwrap(o) instanceof z.ZodObject) ?? (n.options[0] as unknown as z.ZodType));
      else return n;
    }
  };
  for (const key of path) {
    node = unwrap(node!);
    if (node instanceof z.ZodObject) node = node.shape[key as string] as z.ZodType | undefined;
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return [];
    if (!node) return [];
  }
  node = unwrap(node!);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

/** The known key nearest to a typo (edit distance ≤ 2, or a plural/singular slip). */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) (best = k), (bestD = d);
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function rejectUnknownKeys(merged: Plain, stages: Record<string, Plain>, where: string): void {
  const parsed = RunConfig.safeParse(merged);
  const unknown = parsed.success ? [] : parsed.error.issues.filter((i) => i.code === "unrecognized_keys");
  if (unknown.length) throw new ConfigError(`invalid configuration: ${describeIssues(new z.ZodError(unknown), where)}`);
  const unknownStages = Object.keys(stages).filter((s) => !(LLM_STAGES as readonly string[]).includes(s));
  if (unknownStages.length) {
    const hints = unknownStages.map((s) => {
      const hint = closest(s, [...LLM_STAGES]);
      return `"llm.stages.${s}"${hint ? ` (did you mean "${hint}"?)` : ""}`;
    });
    throw new ConfigError(`invalid configuration: unknown stage ${hints.join(", ")}${where}; stages: ${LLM_STAGES.join(", ")}`);
  }
}

export interface ResolvedRun {
  config: RunConfig;
  /** Set when the local engine's defaults (plan, personas) filled what the user left unset: a line for the log. */
  localDefaults?: string;
}

/**
 * `flagLayer` has the same shape as the config file (only the keys the user gave). When
 * nothing names a model server, key or model, the engine is the local one on its embedded
 * default model.
 */
export function resolveRunConfig(flagLayer: Plain, opts: { configFile?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedRun {
  const fileLayer = opts.configFile ? readConfigFile(opts.configFile) : {};
  const merged = mergeLayers(fileLayer, envLayer(opts.env ?? process.env), flagLayer);
  const llm = (merged.llm ?? {}) as Plain;
  merged.llm = llm;
  const defaults = (llm.defaults ?? {}) as Plain;
  llm.defaults = defaults;
  const stages = (llm.stages ?? {}) as Record<string, Plain>;
  const where = opts.configFile ? ` in ${opts.configFile}` : "";
  // Unknown keys first: a typo (`default:` for `defaults:`) must not show up as a missing server or another engine.
  rejectUnknownKeys(merged, stages, where);

  const anyStage = (key: string) => defaults[key] !== undefined || Object.values(stages).some((s) => s[key] !== undefined);
  const hasBaseUrl = (Array.isArray(defaults.baseUrl) && defaults.baseUrl.length > 0) || Object.values(stages).some((s) => Array.isArray(s.baseUrl) && s.baseUrl.length > 0);
  if (llm.engine === undefined) {
    // The environment is already merged into the layers, hence the empty env here.
    const nothingNamed = wantsEmbeddedDefault({ baseUrl: hasBaseUrl ? ["set"] : [], apiKey: anyStage("apiKey") ? "set" : undefined, model: anyStage("model") ? "set" : undefined, modelFile: llm.modelFile as string | undefined }, {});
    if (llm.modelFile) llm.engine = "local";
    else if (nothingNamed) llm.engine = "local";
    else {
      llm.engine = "openai";
      // An API key alone means OpenAI itself, as the openai SDK assumes.
      if (!hasBaseUrl && anyStage("apiKey")) defaults.baseUrl = ["https://api.openai.com/v1"];
    }
  }
  if (llm.engine === "openai" || llm.engine === "batch") {
    if (!hasBaseUrl && !(Array.isArray(defaults.baseUrl) && defaults.baseUrl.length)) {
      throw new NoServerError(
        "no model server given: pass --base-url http://host:8000/v1 (vLLM, SGLang, llama.cpp server, Ollama, any OpenAI-compatible API) " +
          "or set OPENAI_BASE_URL; or set OPENAI_API_KEY for OpenAI itself; or run without any of these to use the local engine.",
      );
    }
  }
  // A CPU run gets a plan and persona count it can finish (local-defaults.ts); a choice in the
  // config file or on the command line wins.
  const localDefaults = llm.engine === "local" ? applyLocalDefaults(merged) : undefined;
  const parsed = RunConfig.safeParse(merged);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${describeIssues(parsed.error, where)}`);
  const config = parsed.data;
  checkQuotaDomains(Object.keys(config.curate.domainQuota), config.domains);
  return { config, localDefaults };
}
