/**
 * `forced` in run.json among several writers: the pins stay with the first settings, so a forced
 * queue chunk or shard that is admitted again (a retry, a stalled chunk taken up again on a busy
 * machine, a resume) meets the same differences and is recorded once; another writer, or other
 * differences, get their own entry.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveRunConfig } from "../src/config/load.js";
import { admitWriter, readManifest } from "../src/io/run-manifest.js";
import { tempDir } from "./support/pipeline-harness.js";

const models = (generate: string) => ({ filter: "fake-model", generate, check: "fake-model" });

test("a forced writer admitted again with the same differences is recorded once; the pins stay", async () => {
  const dir = tempDir("wsrl-forced-");
  const out = join(dir, "out");
  const { config } = resolveRunConfig({ inputs: [join(dir, "in.jsonl")], out, llm: { defaults: { baseUrl: ["http://127.0.0.1:1/v1"], model: "fake-model" } } }, { env: {} });
  const forcedOf = () => (readManifest(out)?.forced ?? []) as { writer: string; differences: string[] }[];

  await admitWriter(out, { tag: "c-first", config, models: models("fake-model") });
  await assert.rejects(admitWriter(out, { tag: "c-second", config, models: models("other-model") }), /other settings \(model for generate: fake-model → other-model/);
  for (let session = 0; session < 3; session++) await admitWriter(out, { tag: "c-second", config, models: models("other-model"), force: true });
  assert.deepEqual(forcedOf().map((f) => f.writer), ["c-second"]);
  assert.equal((readManifest(out)?.pinned as { models: Record<string, string> }).models.generate, "fake-model");

  // Another chunk forced, and the same chunk with yet another model: each is its own entry.
  await admitWriter(out, { tag: "c-third", config, models: models("other-model"), force: true });
  await admitWriter(out, { tag: "c-second", config, models: models("third-model"), force: true });
  assert.deepEqual(
    forcedOf().map((f) => `${f.writer}: ${f.differences.join("; ")}`),
    ["c-second: model for generate: fake-model → other-model", "c-third: model for generate: fake-model → other-model", "c-second: model for generate: fake-model → third-model"],
  );
});
