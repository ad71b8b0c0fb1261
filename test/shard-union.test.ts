/**
 * Static sharding: 3 `run --shard I/3` processes over the same inputs and the same fake-server
 * replies together write exactly what one process writes (as multisets of JSON lines); one
 * shard killed with SIGKILL mid-way resumes on its own; `merge` sums their stats into a
 * stats.json whose funnel equals the single run's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { pausableStageHandlers } from "./support/fake-stage-handlers.js";
import { cli, copiedCorpus, finishedUnits, until } from "./support/cli.js";

const lines = (out: string, folder: string) => readJsonl(join(out, folder)).map((r) => JSON.stringify(r)).sort();

test("3 shards in parallel (one killed and resumed) = one process; merge gives the same funnel", { timeout: 600_000 }, async () => {
  const replies = pausableStageHandlers();
  const fake = await startStageServer({ handlers: replies.handlers });
  const dir = tempDir("wsrl-shard-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 6, 5);
  try {
    const ref = join(dir, "ref");
    await runOn(fake, [input], ref);
    const servedBefore = fake.requests.length;
    const out = join(dir, "sharded");
    const args = (i: number) => ["run", input, "--out", out, "--shard", `${i}/3`, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "2", "--progress", "none", "--no-dedup", "--no-quality", "--no-decontaminate"];

    const runs = [0, 1, 2].map((i) => cli(args(i)));
    // Kill shard 1 once a checkpoint of it holds some units. The server holds its replies
    // from that moment, so the shard is still part-way when the kill lands, however slow the
    // machine: the resume then has work left to do.
    await until(() => {
      if (runs[1]!.child.exitCode !== null) assert.fail(`shard 1 ended before it could be killed: ${runs[1]!.stderr()}`);
      return finishedUnits(out, "s1of3") >= 5 && existsSync(join(out, "state", "checkpoint-s1of3.json"));
    }, "a checkpoint of shard 1");
    replies.pause();
    // Two more checkpoints while the replies are held: the second was taken after the pause, so
    // it counts every request shard 1 has sent (a request is counted as it is sent) and the
    // kill loses none from the merged count.
    const cpFile = join(out, "state", "checkpoint-s1of3.json");
    for (let seen = statSync(cpFile).mtimeMs, n = 0; n < 2; n++) {
      await until(() => statSync(cpFile).mtimeMs > seen, "a checkpoint of shard 1 while paused");
      seen = statSync(cpFile).mtimeMs;
    }
    runs[1]!.child.kill("SIGKILL");
    await runs[1]!.exited;
    replies.resume();
    const killedAt = finishedUnits(out, "s1of3");
    for (const i of [0, 2]) assert.equal(await runs[i]!.exited, 0, runs[i]!.stderr());
    const again = cli(args(1));
    assert.equal(await again.exited, 0, again.stderr());
    assert.match(again.stderr(), /Resuming/);
    assert.ok(finishedUnits(out, "s1of3") > killedAt, "the resumed shard did the units left at the kill");

    for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(lines(out, folder), lines(ref, folder), `${folder}: the union of the shards equals the single run`);
    const qa = readJsonl(join(out, "qa"));
    assert.ok(qa.length > 20, `enough pairs to mean something (${qa.length})`);
    assert.equal(new Set(qa.map((r) => r.id)).size, qa.length, "no pair twice");
    assert.ok(!existsSync(join(out, "stats.json")), "shards keep their stats in state/ until merge");

    const merge = cli(["merge", out]);
    assert.equal(await merge.exited, 0, merge.stderr());
    assert.match(merge.stderr(), /3 writers \(s0of3, s1of3, s2of3\)/);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const refStats = JSON.parse(readFileSync(join(ref, "stats.json"), "utf8"));
    assert.deepEqual(stats.funnel, refStats.funnel);
    assert.deepEqual(stats.rejections, refStats.rejections);
    assert.deepEqual(stats.domains, refStats.domains);
    assert.equal(stats.qa_accepted, qa.length);
    // Every request the server served to the shards is counted once (the killed shard's ones
    // included). Compared with the server, not with the single run: retries differ with load.
    const served = fake.requests.slice(servedBefore).filter((r) => r.path.endsWith("/chat/completions")).length;
    assert.equal(stats.llm.requests, served);
    assert.deepEqual(Object.keys(stats.llm.by_endpoint), Object.keys(refStats.llm.by_endpoint));
    assert.ok(stats.timeline.length > 0);
  } finally {
    replies.resume();
    await fake.close();
  }
});
