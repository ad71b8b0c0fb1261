/**
 * Resume: a `webscale-rl run` child process is killed with SIGKILL mid-way (twice), rerun,
 * and its outputs compared with an uninterrupted run over the same documents and the same
 * model replies: the same accepted pairs, the same rejections, no duplicates, no gaps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";
import { pausableStageHandlers } from "./support/fake-stage-handlers.js";
import { cli, copiedCorpus, finishedUnits, ok, until } from "./support/cli.js";

type Replies = ReturnType<typeof pausableStageHandlers>;

/**
 * Runs until the ledger holds `atLeast` units, then kill -9. The server holds its replies from
 * that moment until the process is gone, so the kill lands part-way however slow the machine.
 */
async function runUntilKilled(args: string[], out: string, atLeast: number, replies: Replies): Promise<void> {
  const run = cli(args);
  await until(() => {
    if (run.child.exitCode !== null) assert.fail(`the run ended before it could be killed (code ${run.child.exitCode}): ${run.stderr()}`);
    return finishedUnits(out, "main") >= atLeast;
  }, `${atLeast} finished units`);
  replies.pause();
  run.child.kill("SIGKILL");
  await run.exited;
  replies.resume();
}

test("kill -9 mid-run, twice, then rerun: the same pairs and rejections as an uninterrupted run", { timeout: 600_000 }, async () => {
  const replies = pausableStageHandlers();
  const fake = await startStageServer({ handlers: replies.handlers });
  const dir = tempDir();
  const corpus = join(dir, "corpus.jsonl");
  copiedCorpus(corpus, 12, 7);
  try {
    await runOn(fake, [corpus], join(dir, "ref"), {}, { curate: true });
    const out = join(dir, "killed");
    const args = ["run", corpus, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "2", "--progress", "none"];
    await runUntilKilled(args, out, 40, replies);
    const firstKill = finishedUnits(out, "main");
    await runUntilKilled(args, out, firstKill + 60, replies);
    const { stderr } = await ok(args);
    assert.match(stderr, /Resuming/);

    const pairs = (d: string) => readJsonl(join(dir, d, "qa"));
    const ref = pairs("ref");
    const got = pairs("killed");
    assert.equal(new Set(got.map((r) => r.id)).size, got.length, "no duplicate pairs");
    assert.deepEqual(
      got.map((r) => JSON.stringify(r)).sort(),
      ref.map((r) => JSON.stringify(r)).sort(),
      "accepted pairs equal the uninterrupted run's",
    );
    const rej = (d: string) => readJsonl(join(dir, d, "rejected")).map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(rej("killed"), rej("ref"), "rejections equal the uninterrupted run's");
    const docs = (d: string) => readJsonl(join(dir, d, "documents")).map((r) => r.doc_id).sort();
    assert.deepEqual(docs("killed"), docs("ref"));
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const refStats = JSON.parse(readFileSync(join(dir, "ref", "stats.json"), "utf8"));
    assert.deepEqual(stats.funnel, refStats.funnel);
    assert.deepEqual(stats.rejections, refStats.rejections);
    assertStatsAddUp(stats);
  } finally {
    replies.resume();
    await fake.close();
  }
});
