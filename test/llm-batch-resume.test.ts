/**
 * Resume with the Batch API: a `webscale-rl run --engine batch` child process is killed with
 * SIGKILL while its first batch is still running at the (fake) provider; the rerun attaches
 * to that batch instead of submitting its requests again, and the outputs equal an
 * uninterrupted run's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, readJsonl, REPO_ROOT, runOn, tempDir } from "./support/pipeline-harness.js";
import { startBatchServer } from "./support/fake-batch-api.js";

const { OPENAI_API_KEY: _k, OPENAI_BASE_URL: _u, ...inherited } = process.env;
const ENV = { ...inherited, WEBSCALE_RL_BATCH_POLL_SECONDS: "0.05", WEBSCALE_RL_BATCH_FLUSH_SECONDS: "0.2" };

function cli(args: string[]) {
  return spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src/cli/main.ts"), ...args], { cwd: REPO_ROOT, env: ENV, stdio: ["ignore", "ignore", "pipe"] });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("kill -9 while a batch is in flight, rerun: attaches to it (no second submission), same outputs", { timeout: 90_000 }, async () => {
  const server = await startBatchServer();
  const dir = tempDir();
  try {
    await runOn(server.fake, [EXAMPLES], join(dir, "ref"), {}, { curate: true });

    // The provider takes its time: the first run is killed after submitting, before any result.
    server.batch.setDelay(4000);
    const out = join(dir, "killed");
    const args = ["run", EXAMPLES, "--out", out, "--engine", "batch", "--base-url", server.fake.url, "--model", "fake-model", "--progress", "none"];
    const child = cli(args);
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise((r) => child.on("exit", r));
    const stateFile = join(out, "state", "batches-main.jsonl");
    for (;;) {
      await sleep(25);
      if (child.exitCode !== null) throw new Error(`the run ended before it could be killed: ${stderr}`);
      const first = server.batch.submissions[0];
      if (first && existsSync(stateFile) && readFileSync(stateFile, "utf8").includes(first.batchId)) break;
    }
    await sleep(300); // let any second flush of the first wave go out too
    child.kill("SIGKILL");
    await exited;
    const killedRun = server.batch.submissions.slice();
    assert.ok(killedRun.length >= 1);
    assert.ok(killedRun.every((s) => server.batch.batches.get(s.batchId)!.status !== "completed"), "killed before any batch finished");
    assert.equal(existsSync(join(out, "stats.json")) ? JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).qa_accepted : 0, 0);

    server.batch.setDelay(30);
    const rerun = cli(args);
    let stderr2 = "";
    rerun.stderr.on("data", (d) => (stderr2 += d));
    const code = await new Promise((r) => rerun.on("exit", r));
    assert.equal(code, 0, stderr2);
    assert.match(stderr2, /attaching to batch-\d+/);

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
    await server.close();
  }
});
