/**
 * Outputs say whether they are complete. A curate or a run killed with SIGKILL leaves an
 * output that `export` and `report` refuse (saying why and what to do) unless
 * --allow-incomplete; an export killed mid-write leaves no file under a final name, and the
 * same command run again just works (Hugging Face shards included, and with other settings).
 *
 * To kill a command in the middle without a race, it is made to wait on a named pipe (FIFO)
 * that nobody writes: it is then certainly mid-way when the signal arrives.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { makeSyntheticRun } from "./support/synthetic-run.js";
import { EXAMPLES, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { alive, cli, errorLines, readJson, run, stackLines, until } from "./support/cli.js";

const fifo = (path: string) => execFileSync("mkfifo", [path]);

test("a killed curate is refused by export and report; the rerun completes it", { timeout: 240_000 }, async () => {
  const dir = tempDir("wsrl-curate-kill-");
  const runDir = join(dir, "run");
  makeSyntheticRun(runDir, { pairs: 200 });
  const blocked = join(dir, "more.jsonl");
  fifo(blocked);
  const cur = join(dir, "cur");
  const curate = cli(["curate", runDir, blocked, "--out", cur, "--no-progress"]);
  // It has started (its lock is held, run.json says running) and now waits on the pipe.
  await until(() => alive(curate) && (readJson(join(cur, "run.json"))?.status === "running" && existsSync(join(cur, ".lock-curate"))), "curate to start");
  curate.child.kill("SIGKILL");
  await curate.exited;

  for (const args of [["export", cur, "--format", "verl", "--out", join(dir, "exp")], ["report", cur, "--out", join(dir, "r.html")]]) {
    const r = await run(args);
    assert.notEqual(r.code, 0);
    assert.deepEqual(stackLines(r.stderr), []);
    assert.match(errorLines(r.stderr)[0] ?? "", /cur is an interrupted curate \(killed or crashed before the end\): rerun the same `webscale-rl curate` command \(it starts over\), or pass --allow-incomplete/);
  }
  assert.ok(!existsSync(join(dir, "exp")) && !existsSync(join(dir, "r.html")), "nothing written");

  // The rerun takes over the dead curate's lock and completes.
  const again = await run(["curate", runDir, "--out", cur, "--no-progress"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Took over the stale lock/);
  assert.equal(readJson(join(cur, "run.json"))?.status, "complete");
  const exp = await run(["export", cur, "--format", "verl", "--out", join(dir, "exp")]);
  assert.equal(exp.code, 0, exp.stderr);
});

test("a killed run is refused by export unless --allow-incomplete; a run still going is named", { timeout: 240_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-run-kill-");
  const out = join(dir, "run");
  try {
    // Some documents finish and are committed, then every request hangs.
    fake.addFault({ kind: "hang", times: Infinity, match: (c) => c.index >= 40 });
    const writer = cli(["run", EXAMPLES, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "2", "--timeout", "600", "--progress", "none"]);
    const committed = () => (readJson(join(out, "state", "checkpoint-main.json"))?.parts?.qa?.records ?? 0) > 0;
    await until(() => alive(writer) && committed(), "committed pairs");
    const live = await run(["export", out, "--format", "openrlhf", "--out", join(dir, "exp")]);
    assert.notEqual(live.code, 0);
    assert.match(errorLines(live.stderr)[0] ?? "", new RegExp(`is not complete: main running \\(by webscale-rl run \\(pid ${writer.child.pid} on .*\\)\\): wait for it to finish, or pass --allow-incomplete`));
    writer.child.kill("SIGKILL");
    await writer.exited;

    const refused = await run(["export", out, "--format", "openrlhf", "--out", join(dir, "exp")]);
    assert.notEqual(refused.code, 0);
    assert.match(errorLines(refused.stderr)[0] ?? "", /is not complete: main interrupted \(killed or crashed\): rerun the same `webscale-rl run` command to finish it \(it resumes\), or pass --allow-incomplete to use what it holds/);
    const allowed = await run(["export", out, "--format", "openrlhf", "--out", join(dir, "exp"), "--allow-incomplete", "--test-size", "0"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /note: .* is not complete: main interrupted .*; reading it anyway \(--allow-incomplete\)/);
    assert.ok(existsSync(join(dir, "exp", "train.jsonl")));
  } finally {
    await fake.close();
  }
});

/** A synthetic run whose last qa/ part is a pipe: export's second pass waits on it forever. */
async function exportKilledMidway(dir: string, args: string[], expOut: string): Promise<string> {
  const src = join(dir, "src");
  makeSyntheticRun(src, { pairs: 300 });
  const pipe = join(src, "qa", "part-99999.jsonl");
  fifo(pipe);
  const exp = cli(["export", src, "--out", expOut, "--no-progress", ...args]);
  // Pass 1 reads the pipe to its end; pass 2 then waits on it, with the real parts written.
  const w = await open(pipe, "w");
  await w.close();
  await until(() => alive(exp) && (readJson(join(expOut, "export.json"))?.status === "running"), "export to be writing");
  exp.child.kill("SIGKILL");
  await exp.exited;
  return pipe;
}

const listTree = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listTree(join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name])).sort();

test("export killed mid-write: no file under a final name; the same command again completes it", { timeout: 240_000 }, async () => {
  const dir = tempDir("wsrl-export-kill-");
  const out = join(dir, "exp");
  const pipe = await exportKilledMidway(dir, ["--format", "openrlhf", "--test-size", "30"], out);
  const left = listTree(out);
  assert.ok(!left.includes("train.jsonl") && !left.includes("test.jsonl"), `only temporary files: ${left.join(", ")}`);
  assert.equal(readJson(join(out, "export.json"))?.status, "running", "the output says it is not complete");

  execFileSync("rm", [pipe]);
  const again = await run(["export", join(dir, "src"), "--out", out, "--format", "openrlhf", "--test-size", "30", "--no-progress"]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(listTree(out), [".", "export.json", "test.jsonl", "train.jsonl"].filter((f) => f !== "."));
  const m = readJson(join(out, "export.json"));
  assert.equal(m.status, "complete");
  assert.deepEqual(m.files.sort(), ["test.jsonl", "train.jsonl"]);
  assert.deepEqual(m.rows, { train: 270, test: 30 });
  assert.equal(readFileSync(join(out, "train.jsonl"), "utf8").trim().split("\n").length, 270);
});

test("hf export killed mid-write, then rerun (and rerun with other shard sizes): exactly the new shards, no refusal", { timeout: 240_000 }, async () => {
  const dir = tempDir("wsrl-hf-kill-");
  const out = join(dir, "hf");
  const pipe = await exportKilledMidway(dir, ["--format", "hf", "--shard-rows", "100", "--test-size", "0"], out);
  assert.ok(!existsSync(join(out, "data")) || readdirSync(join(out, "data")).every((f) => f.endsWith(".partial")), "no shard under its final name");
  execFileSync("rm", [pipe]);
  const base = ["export", join(dir, "src"), "--out", out, "--format", "hf", "--test-size", "0", "--no-progress"];
  const again = await run([...base, "--shard-rows", "100"]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(readdirSync(join(out, "data")).sort(), ["train-00000-of-00003.parquet", "train-00001-of-00003.parquet", "train-00002-of-00003.parquet"]);
  const bigger = await run([...base, "--shard-rows", "200"]);
  assert.equal(bigger.code, 0, bigger.stderr);
  assert.deepEqual(readdirSync(join(out, "data")).sort(), ["train-00000-of-00002.parquet", "train-00001-of-00002.parquet"], "the old export's shards are gone, not mixed in");
  const m = readJson(join(out, "export.json"));
  assert.deepEqual(m.files.sort(), ["README.md", "data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]);
  // Shards no export of ours wrote are still refused, never deleted.
  writeFileSync(join(out, "data", "train-foreign.parquet"), "x");
  const foreign = await run([...base, "--shard-rows", "200"]);
  assert.notEqual(foreign.code, 0);
  assert.match(errorLines(foreign.stderr)[0] ?? "", /already holds Parquet shards that no export wrote .*train-foreign\.parquet/);
  assert.ok(existsSync(join(out, "data", "train-foreign.parquet")));
});
