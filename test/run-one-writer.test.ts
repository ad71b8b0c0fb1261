/**
 * One writer per run directory, between real processes: a second `run` on the same --out is
 * refused at once, saying who holds it; Ctrl-C stops a run whose requests hang within the
 * grace (and a second Ctrl-C at once); a run killed with SIGKILL leaves a lock the next run
 * takes over, and the outputs equal a clean run's. A shard layout or pinned settings that
 * differ from the directory's are refused (--force records the difference).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { alive, copiedCorpus, cli, errorLines, readJson, run, stackLines, until } from "./support/cli.js";


const sorted = (dir: string, folder: string) => readJsonl(join(dir, folder)).map((r) => JSON.stringify(r)).sort();

test("a second run on the same --out is refused; Ctrl-C stops hanging requests; kill -9 then rerun takes the lock over and equals a clean run", { timeout: 240_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-writer-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 2, 7);
  const out = join(dir, "out");
  const args = ["run", input, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "2", "--timeout", "600", "--progress", "none"];
  const lockFile = join(out, ".lock-main");
  const chatRequests = () => fake.requests.filter((r) => r.path === "/v1/chat/completions").length;
  try {
    await runOn(fake, [input], join(dir, "ref"), {}, { curate: true });
    // Every request from here on hangs until the client gives up: the run stays busy.
    fake.addFault({ kind: "hang", times: Infinity });
    const before = chatRequests();
    const first = cli(args);
    await until(() => alive(first) && (existsSync(lockFile) && chatRequests() > before), "the first run to hold the lock with requests in flight");

    const second = await run(args);
    assert.notEqual(second.code, 0);
    assert.deepEqual(stackLines(second.stderr), []);
    const [line] = errorLines(second.stderr);
    assert.match(line ?? "", new RegExp(`\\.lock-main is held by webscale-rl run \\(pid ${first.child.pid} on `));
    assert.match(line!, /only one writer at a time/);

    // Ctrl-C: the hanging requests are abandoned after the grace, what is done is committed.
    first.child.kill("SIGINT");
    assert.equal(await first.exited, 130, first.stderr());
    assert.match(first.stderr(), /Stopping: requests in flight get a few seconds/);
    assert.match(first.stderr(), /Stopped by a signal: rerun the same command to resume/);
    assert.equal(readJson(join(out, "state", "writer-main.json"))?.status, "stopped");
    assert.equal(readJson(join(out, "run.json"))?.status, "stopped");
    assert.ok(!existsSync(lockFile), "the lock is released");

    // A second Ctrl-C stops at once, whatever the grace.
    const third = cli(args, { WEBSCALE_RL_STOP_GRACE_SECONDS: "600" });
    const sent = chatRequests();
    await until(() => alive(third) && (existsSync(lockFile) && chatRequests() > sent), "the third run's requests");
    third.child.kill("SIGINT");
    await until(() => alive(third) && (third.stderr().includes("Stopping:")), "the stop notice");
    third.child.kill("SIGINT");
    assert.equal(await third.exited, 130);
    assert.doesNotMatch(third.stderr(), /Stopped by a signal/, "it did not wait for the grace");
    assert.ok(!existsSync(lockFile), "the lock is released on exit");

    // kill -9 leaves the lock behind; the next run sees its holder is gone and takes it over.
    const killed = cli(args);
    const sent2 = chatRequests();
    await until(() => alive(killed) && (existsSync(lockFile) && chatRequests() > sent2), "the killed run's requests");
    killed.child.kill("SIGKILL");
    await killed.exited;
    assert.ok(existsSync(lockFile), "a killed run leaves its lock");
    fake.clearFaults();
    const last = await run(args);
    assert.equal(last.code, 0, last.stderr);
    assert.match(last.stderr, new RegExp(`Took over the stale lock .*process ${killed.child.pid} is gone`));
    for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(sorted(out, folder), sorted(join(dir, "ref"), folder), folder);
    assert.equal(readJson(join(out, "run.json"))?.status, "complete");
    assert.equal(readJson(join(out, "state", "writer-main.json"))?.status, "complete");
  } finally {
    await fake.close();
  }
});

test("a shard layout other than the directory's is refused; merge says which shards are missing", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-layout-");
  const out = join(dir, "out");
  const base = (extra: string[]) => ["run", EXAMPLES, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--progress", "none", ...extra];
  try {
    const s0 = await run(base(["--shard", "0/3"]));
    assert.equal(s0.code, 0, s0.stderr);
    for (const other of [["--shard", "0/4"], []]) {
      const r = await run(base(other));
      assert.notEqual(r.code, 0);
      assert.deepEqual(stackLines(r.stderr), []);
      assert.match(errorLines(r.stderr)[0] ?? "", /was written with --shard I\/3 .*this run uses (--shard I\/4|one writer).*count documents twice/);
    }
    assert.ok(!existsSync(join(out, "state", "checkpoint-s0of4.json")) && !existsSync(join(out, "state", "checkpoint-main.json")), "the refused writers wrote nothing");
    const merge = await run(["merge", out]);
    assert.equal(merge.code, 0, merge.stderr);
    assert.match(merge.stderr, /not complete: s1of3 missing \(never started\), s2of3 missing/);
  } finally {
    await fake.close();
  }
});

test("a resume with other inputs or plan is refused with the differences; --force continues and records them", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-pinned-");
  const out = join(dir, "out");
  const extra = join(dir, "more.jsonl");
  copiedCorpus(extra, 1, 7);
  const base = (inputs: string[], flags: string[] = []) => ["run", ...inputs, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--progress", "none", ...flags];
  try {
    assert.equal((await run(base([EXAMPLES]))).code, 0);
    const before = readFileSync(join(out, "run.json"), "utf8");
    const plan = await run(base([EXAMPLES], ["--plan", "efficient"]));
    assert.notEqual(plan.code, 0);
    assert.match(errorLines(plan.stderr)[0] ?? "", /was made with other settings \(--plan: "paper" → "efficient"\).*--force/);
    const inputs = await run(base([EXAMPLES, extra]));
    assert.notEqual(inputs.code, 0);
    assert.match(errorLines(inputs.stderr)[0] ?? "", new RegExp(`inputs: added ${extra.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.equal(readFileSync(join(out, "run.json"), "utf8"), before, "a refused resume leaves run.json as it was");

    const forced = await run(base([EXAMPLES, extra], ["--force"]));
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /--force: continuing .* with different settings \(inputs: added/);
    const manifest = readJson(join(out, "run.json"));
    assert.equal(manifest.forced.length, 1);
    assert.match(manifest.forced[0].differences[0], /^inputs: added /);
    assert.deepEqual(manifest.pinned.inputs.length, 2, "the new settings are pinned from now on");
    assert.equal((await run(base([EXAMPLES, extra]))).code, 0, "the same command resumes without --force");
  } finally {
    await fake.close();
  }
});
