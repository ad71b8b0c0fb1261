/**
 * Resume with the Batch API: a `webscale-rl run --engine batch` child process is killed with
 * SIGKILL while its first batch is still running at the (fake) provider; the rerun attaches
 * to that batch instead of submitting its requests again, and the outputs equal an
 * uninterrupted run's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, readJsonl, runOn, tempDir } from "./support/pipeline-harness.js";
import { startBatchServer } from "./support/fake-batch-api.js";
import { cli, ok, until } from "./support/cli.js";

const { OPENAI_API_KEY: _k, OPENAI_BASE_URL: _u, ...inherited } = process.env;
const ENV = { ...inherited, WEBSCALE_RL_BATCH_POLL_SECONDS: "0.05", WEBSCALE_RL_BATCH_FLUSH_SECONDS: "0.2" };

test("kill -9 while a batch is in flight, rerun: attaches to it (no second submission), same outputs", { timeout: 600_000 }, async () => {
  const server = await startBatchServer();
  const dir = tempDir();
  try {
    const ref = await runOn(server.fake, [EXAMPLES], join(dir, "ref"), {}, { curate: true });

    // The provider holds every batch: the first run is killed once it has submitted the whole
    // first wave (one filter request per document past the prefilter) and recorded each batch
    // in its state. Nothing can finish or be submitted after that, however slow the machine.
    server.batch.hold();
    const out = join(dir, "killed");
    const args = ["run", EXAMPLES, "--out", out, "--engine", "batch", "--base-url", server.fake.url, "--model", "fake-model", "--progress", "none"];
    const first = cli(args, ENV);
    const stateFile = join(out, "state", "batches-main.jsonl");
    const firstWave = ref.stats.funnel.prefilter_passed;
    await until(() => {
      if (first.child.exitCode !== null) assert.fail(`the run ended before it could be killed: ${first.stderr()}`);
      const subs = server.batch.submissions;
      const recorded = existsSync(stateFile) ? readFileSync(stateFile, "utf8") : "";
      return subs.reduce((n, s) => n + s.customIds.length, 0) >= firstWave && subs.every((s) => recorded.includes(s.batchId));
    }, "the first wave submitted and recorded");
    first.child.kill("SIGKILL");
    await first.exited;
    const killedRun = server.batch.submissions.slice();
    assert.ok(killedRun.length >= 1);
    assert.ok(killedRun.every((s) => server.batch.batches.get(s.batchId)!.status !== "completed"), "killed before any batch finished");
    assert.equal(existsSync(join(out, "stats.json")) ? JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).qa_accepted : 0, 0);

    server.batch.setDelay(30);
    server.batch.release();
    const { stderr } = await ok(args, ENV);
    assert.match(stderr, /attaching to batch-\d+/);

    const paidTwice = new Set(killedRun.flatMap((s) => s.customIds));
    const later = server.batch.submissions.slice(killedRun.length).flatMap((s) => s.customIds);
    assert.ok(later.length > 0, "the later stages were submitted");
    assert.deepEqual(later.filter((id) => paidTwice.has(id)), [], "no request of the in-flight batches was submitted again");

    const rows = (d: string, f: string) => readJsonl(join(dir, d, f)).map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(rows("killed", "qa"), rows("ref", "qa"), "accepted pairs equal the uninterrupted run's");
    assert.ok(rows("killed", "qa").length >= 20);
    assert.deepEqual(
      readJsonl(join(out, "rejected")).map((r) => `${r.doc_id} ${r.reason}`).sort(),
      readJsonl(join(dir, "ref", "rejected")).map((r) => `${r.doc_id} ${r.reason}`).sort(),
    );
  } finally {
    server.batch.release();
    await server.close();
  }
});
