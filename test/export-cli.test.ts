/** The `export` command as a user runs it: flags, summary line, progress and errors. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { makeSyntheticRun } from "./support/synthetic-run.js";
import { cliArgv } from "./support/cli-command.js";

const repo = resolve(import.meta.dirname, "..");
let root: string;
let run: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), "wsrl-export-cli-"));
  run = join(root, "run");
  makeSyntheticRun(run, { pairs: 300, badLines: 2 });
});
after(() => rmSync(root, { recursive: true, force: true }));


async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, cliArgv(["export", ...args]), { cwd: repo });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test("export prints a summary line on stdout, progress and skipped lines on stderr", async () => {
  const out = join(root, "verl");
  const r = await cli(run, "--format", "verl", "--out", out, "--test-size", "30", "--seed", "1");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^export verl: train 270 rows, test 30 rows; 2 file\(s\) written: .*train\.parquet, .*test\.parquet; 2 malformed line\(s\) skipped\n$/);
  assert.match(r.stderr, /export: wrote 300 of 300 pairs/);
  assert.match(r.stderr, /skipped 2 malformed QA line\(s\)[\s\S]*part-00000\.jsonl:\d+/);
  assert.ok(existsSync(join(out, "train.parquet")) && existsSync(join(out, "test.parquet")));
});

test("export refuses bad flags and a directory without qa/ with a clear message", async () => {
  const noQa = await cli(root, "--format", "verl", "--out", join(root, "x"));
  assert.notEqual(noQa.code, 0);
  assert.match(noQa.stderr, /has no qa\/ folder/);
  const badSize = await cli(run, "--format", "trl", "--out", join(root, "y"), "--test-size", "2.5");
  assert.match(badSize.stderr, /--test-size/);
  const badFormat = await cli(run, "--format", "csv", "--out", join(root, "z"));
  assert.match(badFormat.stderr, /verl, openrlhf, trl, hf/);
  assert.ok(!existsSync(join(root, "y")) && !existsSync(join(root, "z")), "nothing written");
});
