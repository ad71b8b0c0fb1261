/**
 * How a queue worker resolves the submitted run's settings under its own flags and
 * environment (no Redis needed): worker flags win, a worker's --base-url means the HTTP
 * engine, and resolving never writes its choices back into the layer the queue stores.
 */
import type { WorkerFlags } from "../src/cli/queue-worker-flags.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveRunConfig } from "../src/config/load.js";
import { resolveWorkerConfig, type StoredRun } from "../src/queue/run-store.js";

const stored = (llm: Record<string, unknown> = {}): StoredRun => ({ out: "/tmp/wsrl-out", layer: { inputs: ["/tmp/in.jsonl"], out: "/tmp/wsrl-out", llm }, submitted_at: "" });
const server = { llm: { defaults: { baseUrl: ["http://gpu:8000/v1"], model: "m" } } };

test("resolving a config leaves the caller's layer as it was (submit stores it as given)", () => {
  const layer = { inputs: ["/tmp/in.jsonl"], out: "/tmp/wsrl-out", plan: "efficient", llm: { concurrency: 3 } };
  const before = structuredClone(layer);
  assert.equal(resolveRunConfig(layer, { env: {} }).config.llm.engine, "local");
  assert.deepEqual(layer, before);
});

test("a worker's --base-url runs the HTTP engine, whatever the run was submitted with", () => {
  for (const llm of [{}, { engine: "local" }, { engine: "local", modelFile: "/models/small.gguf" }]) {
    const { config } = resolveWorkerConfig(stored(llm), server, {});
    assert.equal(config.llm.engine, "openai", JSON.stringify(llm));
    assert.deepEqual(config.llm.defaults.baseUrl, ["http://gpu:8000/v1"]);
  }
  const perStage = { llm: { stages: { check: { baseUrl: ["http://gpu-b:8000/v1"], model: "small" } }, defaults: { baseUrl: ["http://gpu:8000/v1"], model: "m" } } };
  assert.equal(resolveWorkerConfig(stored({ engine: "local" }), perStage, {}).config.llm.engine, "openai");
});

test("a worker's own --engine wins; without a server of its own, the submitted engine stays", () => {
  const withEngine = { llm: { ...server.llm, engine: "local" } };
  assert.equal(resolveWorkerConfig(stored(), withEngine, {}).config.llm.engine, "local");
  assert.equal(resolveWorkerConfig(stored({ engine: "local" }), { llm: { concurrency: 2 } }, {}).config.llm.engine, "local");
  // The order: submitted run < the worker's OPENAI_* environment < the worker's flags.
  const submittedWithServer = stored({ defaults: { baseUrl: ["http://submitted:8000/v1"], model: "m" } });
  assert.deepEqual(resolveWorkerConfig(submittedWithServer, {}, {}).config.llm.defaults.baseUrl, ["http://submitted:8000/v1"]);
  assert.deepEqual(resolveWorkerConfig(submittedWithServer, {}, { OPENAI_BASE_URL: "http://env:8000/v1" }).config.llm.defaults.baseUrl, ["http://env:8000/v1"]);
  assert.deepEqual(resolveWorkerConfig(submittedWithServer, server, { OPENAI_BASE_URL: "http://env:8000/v1" }).config.llm.defaults.baseUrl, ["http://gpu:8000/v1"]);
  // Submitted without naming an engine, a worker's environment alone reaches its server.
  assert.equal(resolveWorkerConfig(stored(), {}, { OPENAI_BASE_URL: "http://env:8000/v1", OPENAI_API_KEY: "k-1234" }).config.llm.engine, "openai");
});

test("the Batch API engine is refused for the queue, at submit and in a worker, with what to do", async () => {
  const { rejectGlobalOnlySettings, rejectQueueEngine } = await import("../src/queue/run-store.js");
  const batch = { llm: { ...server.llm, engine: "batch" } };
  assert.throws(() => rejectGlobalOnlySettings(resolveRunConfig({ inputs: ["/tmp/in.jsonl"], out: "/tmp/wsrl-out", ...batch }, { env: {} }).config), /--engine batch does not work in the queue/);
  assert.throws(() => rejectQueueEngine(resolveWorkerConfig(stored(), batch, {}).config), /give the workers --base-url/);
  assert.doesNotThrow(() => rejectQueueEngine(resolveWorkerConfig(stored(), server, {}).config));
});

test("a worker's response cache is its own: its config file < WEBSCALE_RL_CACHE < its flags, on by default; submit refuses the cache and budget flags", async () => {
  const { cacheSetting } = await import("../src/config/cache-setting.js");
  const { refuseWorkerFlags } = await import("../src/cli/queue-worker-flags.js");
  assert.deepEqual(cacheSetting({}, { env: {} }), { enabled: true, maxGb: 20 });
  assert.deepEqual(cacheSetting({}, { env: { WEBSCALE_RL_CACHE: "off" } }), { enabled: false, maxGb: 20 });
  assert.deepEqual(cacheSetting({}, { env: { WEBSCALE_RL_CACHE: "/env" }, file: { dir: "/file", maxGb: 5 } }), { enabled: true, dir: "/env", maxGb: 5 });
  assert.deepEqual(cacheSetting({ cache: "/flag", cacheMaxGb: 2 }, { env: { WEBSCALE_RL_CACHE: "off" } }), { enabled: true, dir: "/flag", maxGb: 2 });
  assert.equal(cacheSetting({ cache: false }, { env: { WEBSCALE_RL_CACHE: "/env" } }).enabled, false);
  assert.throws(() => cacheSetting({}, { env: {}, file: { maxGb: -1 } }), /^ConfigError: llm\.cache\.maxGb: /);
  assert.doesNotThrow(() => refuseWorkerFlags({}));
  const refused: [WorkerFlags, string][] = [[{ cache: "/c" }, "--cache"], [{ cache: false }, "--no-cache"], [{ cacheMaxGb: 1 }, "--cache-max-gb"], [{ maxCost: 1 }, "--max-cost"], [{ budgetTokens: 9 }, "--budget-tokens"], [{ price: ["m=1/1"] }, "--price"]];
  for (const [flags, named] of refused) {
    assert.throws(() => refuseWorkerFlags(flags), new RegExp(`^ConfigError: ${named} is a setting of each worker, not of the run .*: pass it to \`webscale-rl queue work\` instead$`));
  }
});
