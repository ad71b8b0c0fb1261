/**
 * The estimate's dry client takes a document through every call of the plan: its typical
 * replies validate against the stage schemas and pass the deterministic guards and the
 * duplicate check, for any persona count. If a guard changed so that they did not, the
 * estimate would silently count fewer check and judge calls than a run makes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolveRunConfig } from "../src/config/load.js";
import { loadDemoLibrary } from "../src/prompts/demos.js";
import { makeProcessor } from "../src/stages/process-document.js";
import { DryClient } from "../src/estimate/dry-client.js";
import { sumCalls } from "../src/estimate/sample.js";
import { EXAMPLES } from "./support/pipeline-harness.js";

const doc = JSON.parse(readFileSync(EXAMPLES, "utf8").split("\n")[0]!);

for (const plan of ["paper", "efficient"] as const) {
  test(`--plan ${plan}: every persona's pair reaches the verifier and the judge, 1 to 10 personas`, async () => {
    for (const personas of [1, 2, 3, 10]) {
      const { config } = resolveRunConfig({ inputs: ["x"], out: "x", plan, personas, llm: { defaults: { baseUrl: ["http://unused.invalid/v1"], model: "m" } } });
      const dry = new DryClient(config);
      const process = makeProcessor({ llm: dry, config, demos: loadDemoLibrary(config.domains).library });
      dry.startUnit();
      const r = await process({ id: doc.id, text: doc.text, source: { file: "corpus.jsonl", line: 1 } });
      assert.deepEqual(r.rejections.map((x) => x.reason), [], `${personas} personas`);
      assert.equal(r.accepted.length, personas);
      const calls = sumCalls(dry.calls, []);
      const expected = plan === "paper" ? { filter: 1, identify: 1, generate: personas, check: personas, answerable: personas } : { filter_identify: 1, generate_all: 1, check_all: 1, answerable_all: 1 };
      assert.deepEqual(Object.fromEntries(Object.entries(calls).map(([s, c]) => [s, c.calls])), expected);
      // Every call after the first on the document reuses its prefix (handbook and document); the judge shares only its system message.
      for (const c of dry.calls.slice(1)) assert.ok(c.cachedTokens > 0 && c.cachedTokens < c.promptTokens, `${c.stage}: ${c.cachedTokens} of ${c.promptTokens} cached`);
    }
  });
}
