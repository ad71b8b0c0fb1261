/**
 * The response cache on the example corpus against the fake server: a first run, a rerun of
 * the same settings into a new --out, and a rerun with only the check model changed. Prints
 * one JSON object: requests counted at the server, pairs, wall seconds, and what the cache saved.
 *
 *   npx tsx bench/cache-rerun.ts [--plan paper|efficient]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "../test/support/pipeline-harness.js";

const { values } = parseArgs({ options: { plan: { type: "string", default: "paper" } } });
const fake = await startStageServer();
const dir = tempDir("wsrl-bench-cache-");
const cache = { enabled: true, dir: join(dir, "cache") };
const chat = () => fake.requests.filter((r) => r.path.endsWith("/chat/completions")).length;

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

async function step(out: string, llm: Record<string, unknown>) {
  const before = chat();
  const t0 = performance.now();
  const res = await runOn(fake, [EXAMPLES], join(dir, out), { plan: values.plan, llm: { cache, ...llm } });
  const seconds = (performance.now() - t0) / 1000;
  return {
    server_requests: chat() - before,
    by_schema: countBy(fake.requests.slice(before).map((r) => r.schemaName ?? "-")),
    pairs: readJsonl(join(dir, out, "qa")).length,
    cache: res.stats.cache,
    wall_seconds: Number(seconds.toFixed(2)),
  };
}

try {
  const first = await step("first", {});
  const rerun = await step("rerun", {});
  const checkModel = await step("check-model", { stages: { check: { model: "fake-checker" } } });
  console.log(JSON.stringify({ bench: "cache-rerun", plan: values.plan, corpus: "examples/corpus.jsonl", first, rerun, check_model_changed: checkModel }));
} finally {
  await fake.close();
}
