/** The local engine's defaults: a plan and persona count a CPU can finish, unless the user chose. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveRunConfig } from "../src/config/load.js";
import { LOCAL_DEFAULTS } from "../src/config/local-defaults.js";

const base = { inputs: ["docs.jsonl"], out: "out" };

test("the embedded default (nothing configured) runs the efficient plan with 2 personas, and says so", () => {
  const { config, localDefaults } = resolveRunConfig(base, { env: {} });
  assert.equal(config.llm.engine, "local");
  assert.equal(config.plan, LOCAL_DEFAULTS.plan);
  assert.equal(config.personas, LOCAL_DEFAULTS.personas);
  assert.equal(config.fewShot, 1, "the efficient plan's demo count follows the plan");
  assert.match(localDefaults!, /--plan efficient --personas 2 .*--plan paper --personas 3/);
});

test("a plan or persona count the user gives wins over the local defaults", () => {
  const paper = resolveRunConfig({ ...base, plan: "paper", llm: { modelFile: "m.gguf" } }, { env: {} });
  assert.equal(paper.config.llm.engine, "local");
  assert.equal(paper.config.plan, "paper");
  assert.equal(paper.config.fewShot, 2);
  assert.equal(paper.config.personas, 2);
  assert.doesNotMatch(paper.localDefaults!, /--plan efficient/);
  const both = resolveRunConfig({ ...base, plan: "paper", personas: 3, llm: { engine: "local" } }, { env: {} });
  assert.equal(both.config.plan, "paper");
  assert.equal(both.config.personas, 3);
  assert.equal(both.localDefaults, undefined);
});

test("a model server keeps the paper defaults", () => {
  const { config, localDefaults } = resolveRunConfig(base, { env: { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } });
  assert.equal(config.llm.engine, "openai");
  assert.equal(config.plan, "paper");
  assert.equal(config.personas, 3);
  assert.equal(localDefaults, undefined);
});
