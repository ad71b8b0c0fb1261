/**
 * `webscale-rl run` on remote inputs, as real processes: the same corpus read from disk,
 * from S3 (s3rver on loopback) and from the Hub fake gives the same pairs and rejections;
 * stats.json counts the remote I/O; `kill -9` in the middle of a remote read (small range
 * reads, dropped connections) resumes exactly; configuration problems stop before any work
 * with one line; no secret reaches the outputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { allFiles, EXAMPLES, readJsonl, REPO_ROOT, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { startFakeS3, type FakeS3 } from "./support/s3-server.js";
import { startFakeHub, type FakeHub } from "./support/fake-hub.js";
import { putFiles, hubFiles } from "./support/remote-corpus.js";
import { makeWarc } from "./support/warc-fixtures.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";
import type { FakeOpenAI } from "./support/fake-openai-server.js";
import { cliArgv } from "./support/cli-command.js";

const HF_TOKEN = "hf_test_token";
const dir = tempDir("io-remote-run-");
let fake: FakeOpenAI;
let s3: FakeS3;
let hub: FakeHub;
const files: Record<string, string> = {};

/** 6 copies of the examples (each with its own ids and numbers) and a broken line; a WARC. */
async function makeCorpus() {
  const docs = readFileSync(EXAMPLES, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const lines: string[] = [];
  for (let c = 0; c < 6; c++) for (const d of docs) lines.push(JSON.stringify({ id: `${d.id}-${c}`, text: d.text.replace(/\b(\d+)\b/g, (m: string) => String(Number(m) + c)) }));
  lines.splice(5, 0, "{broken json line");
  files["corpus/docs.jsonl"] = join(dir, "docs.jsonl");
  writeFileSync(files["corpus/docs.jsonl"], lines.join("\n") + "\n");
  files["corpus/crawl.warc.gz"] = join(dir, "crawl.warc.gz");
  writeFileSync(files["corpus/crawl.warc.gz"], await makeWarc());
}

test.before(async () => {
  await makeCorpus();
  fake = await startStageServer();
  s3 = await startFakeS3(["data"]);
  await putFiles(s3, "data", "", files);
  hub = await startFakeHub({ tokens: { [HF_TOKEN]: "alice" } });
  hub.commit("acme/corpus", hubFiles(files), { private: true });
  // Small range reads and quick retries, so that a kill lands mid-file and faults cost little.
  writeFileSync(join(dir, "io.yaml"), "io:\n  pieceBytes: 4096\n  backoffMs: 5\n");
});
test.after(async () => {
  await fake?.close();
  await s3?.close();
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The environment of a CLI child: ours minus any real AWS/HF settings, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|HF_|HUGGING_FACE_)/.test(k)));
  return { ...base, AWS_EC2_METADATA_DISABLED: "true", AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"), AWS_CONFIG_FILE: join(dir, "none"), ...extra };
}
const s3Env = () => env(s3.env);
const hubEnv = () => env({ HF_ENDPOINT: hub.url, HF_TOKEN });

function cli(args: string[], childEnv: NodeJS.ProcessEnv) {
  return spawn(process.execPath, cliArgv(args), { cwd: REPO_ROOT, env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
}
const runArgs = (inputs: string[], out: string) => ["run", ...inputs, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "2", "--progress", "none", "--config", join(dir, "io.yaml")];

async function runToEnd(args: string[], childEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = cli(args, childEnv);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  return { code, stderr };
}

function finishedCount(out: string): number {
  const f = join(out, "state", "finished-main.txt");
  return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;
}

/** Units in the last committed checkpoint (the ledger may run ahead of it). */
function committedCount(out: string): number {
  const cp = join(out, "state", "checkpoint-main.json");
  if (!existsSync(cp)) return 0;
  try {
    const { ledgerBytes } = JSON.parse(readFileSync(cp, "utf8")) as { ledgerBytes: number };
    return readFileSync(join(out, "state", "finished-main.txt")).subarray(0, ledgerBytes).toString().split("\n").filter(Boolean).length;
  } catch {
    return 0; // read while being replaced
  }
}

async function runUntilKilled(args: string[], childEnv: NodeJS.ProcessEnv, out: string, atLeast: number, count = finishedCount): Promise<void> {
  const child = cli(args, childEnv);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  for (;;) {
    await new Promise((r) => setTimeout(r, 25));
    if (child.exitCode !== null) throw new Error(`the run ended before it could be killed (code ${child.exitCode}): ${stderr}`);
    if (count(out) >= atLeast) break;
  }
  child.kill("SIGKILL");
  await exited;
}

/** Records without the input file's name, which is where the corpus lives. */
function outputs(out: string) {
  const strip = (r: any) => ({ ...r, source: { ...r.source, file: r.source.file.replace(/^.*\/(crawl\.warc\.gz|docs\.jsonl)$/, "$1") } });
  const lines = (folder: string) => readJsonl(join(out, folder)).map((r) => JSON.stringify(strip(r))).sort();
  return { qa: lines("qa"), rejected: lines("rejected"), documents: lines("documents") };
}

const LOCAL = () => [files["corpus/docs.jsonl"]!, files["corpus/crawl.warc.gz"]!];

test("the same corpus from disk, S3 and the Hub gives the same pairs, rejections and documents; stats.json counts the remote reads", { timeout: 300_000 }, async (t) => {
  const local = await runToEnd(runArgs(LOCAL(), join(dir, "local")), env());
  assert.equal(local.code, 0, local.stderr);
  const ref = outputs(join(dir, "local"));
  assert.ok(ref.qa.length >= 50, `${ref.qa.length} pairs`);
  assert.ok(ref.rejected.some((r) => r.includes("input.http_status")) && ref.rejected.some((r) => r.includes("input.malformed_json")));

  const fromS3 = await runToEnd(runArgs(["s3://data/corpus/"], join(dir, "s3")), s3Env());
  assert.equal(fromS3.code, 0, fromS3.stderr);
  assert.deepEqual(outputs(join(dir, "s3")), ref);

  const fromHub = await runToEnd(runArgs(["hf://datasets/acme/corpus/corpus/*"], join(dir, "hub")), hubEnv());
  assert.equal(fromHub.code, 0, fromHub.stderr);
  assert.deepEqual(outputs(join(dir, "hub")), ref);

  const qa = readJsonl(join(dir, "hub", "qa"));
  assert.ok(qa.every((r) => r.source.file.startsWith("hf://datasets/acme/corpus/corpus/")));
  for (const name of ["s3", "hub"]) {
    const stats = JSON.parse(readFileSync(join(dir, name, "stats.json"), "utf8"));
    assert.ok(stats.io.requests > 2 && stats.io.bytes >= readFileSync(files["corpus/docs.jsonl"]!).length, JSON.stringify(stats.io));
    assertStatsAddUp(stats);
  }
  assert.equal(JSON.parse(readFileSync(join(dir, "local", "stats.json"), "utf8")).io, undefined, "a local run has no io block");
  const io = (name: string) => JSON.stringify(JSON.parse(readFileSync(join(dir, name, "stats.json"), "utf8")).io);
  t.diagnostic(`disk, s3:// and hf:// runs: ${ref.qa.length} pairs, ${ref.rejected.length} rejections, ${ref.documents.length} documents each; io s3 ${io("s3")}; io hf ${io("hub")}`);
  for (const f of [...allFiles(join(dir, "hub")), ...allFiles(join(dir, "s3"))]) {
    const text = readFileSync(f, "utf8");
    assert.ok(!text.includes(HF_TOKEN) && !text.includes(s3.env.AWS_SECRET_ACCESS_KEY!), `no secret in ${f}`);
  }
});

test("kill -9 during a remote read, twice, with dropped connections: the rerun resumes to the same outputs as an uninterrupted run", { timeout: 300_000 }, async () => {
  if (!existsSync(join(dir, "local", "stats.json"))) {
    const local = await runToEnd(runArgs(LOCAL(), join(dir, "local")), env());
    assert.equal(local.code, 0, local.stderr);
  }
  const out = join(dir, "killed");
  const args = runArgs(["s3://data/corpus/"], out);
  s3.faults.push({ method: "GET", path: /docs\.jsonl/, dropAfterBytes: 1500, times: 3 });
  await runUntilKilled(args, s3Env(), out, 25);
  const first = finishedCount(out);
  await runUntilKilled(args, s3Env(), out, first + 40);
  assert.equal(s3.faults.at(-1)!.times, 0, "the killed sessions met the dropped connections");
  // stats.json counts what was committed: a killed session's retries may die with it, so the
  // session that completes meets a dropped connection of its own.
  s3.faults.push({ method: "GET", path: /docs\.jsonl/, dropAfterBytes: 1500, times: 1 });
  const last = await runToEnd(args, s3Env());
  assert.equal(s3.faults.at(-1)!.times, 0, "the last session met a dropped connection");
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stderr, /Resuming/);
  const got = outputs(out);
  const ref = outputs(join(dir, "local"));
  assert.equal(new Set(got.qa).size, got.qa.length, "no duplicate pairs");
  assert.deepEqual(got, ref);
  const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
  assert.ok(stats.io.retries >= 1, `dropped connections were retried: ${JSON.stringify(stats.io)}`);
  assertStatsAddUp(stats);
  const pins = JSON.parse(readFileSync(join(out, "state", "inputs-main.json"), "utf8"));
  assert.deepEqual(Object.keys(pins).sort(), ["s3://data/corpus/crawl.warc.gz", "s3://data/corpus/docs.jsonl"]);
});

test("a remote file changed after part of it was processed: the resumed run reports input.changed_file and mixes nothing", { timeout: 300_000 }, async () => {
  hub.commit("acme/changing", { "a.jsonl": readFileSync(files["corpus/docs.jsonl"]!) });
  const out = join(dir, "changing");
  s3.faults.length = 0;
  const client = (await import("./support/remote-corpus.js")).s3Client(s3);
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  await client.send(new PutObjectCommand({ Bucket: "data", Key: "changing/a.jsonl", Body: readFileSync(files["corpus/docs.jsonl"]!) }));
  const args = runArgs(["s3://data/changing/a.jsonl"], out);
  // Killed once part of the file is committed: the next session knows it was being read.
  await runUntilKilled(args, s3Env(), out, 20, committedCount);
  await client.send(new PutObjectCommand({ Bucket: "data", Key: "changing/a.jsonl", Body: '{"id":"new","text":"a different file now"}\n' }));
  client.destroy();
  const res = await runToEnd(args, s3Env());
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /Not reading s3:\/\/data\/changing\/a\.jsonl changed after this run had processed part of it/);
  const rejected = readJsonl(join(out, "rejected")).filter((r) => r.reason === "input.changed_file");
  assert.equal(rejected.length, 1);
  assert.equal(rejected[0].source.file, "s3://data/changing/a.jsonl");
  const qa = readJsonl(join(out, "qa"));
  assert.ok(qa.length > 0, "the pairs of the part processed before the change stay");
  assert.ok(!qa.some((r) => r.doc_id === "new") && !readJsonl(join(out, "rejected")).some((r) => r.doc_id === "new"), "nothing from the new version");
});

test("configuration problems stop before any work with one line that says what to do, never a stack trace", { timeout: 120_000 }, async () => {
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [["s3://data/corpus/"], env({ AWS_ENDPOINT_URL: s3.endpoint }), /no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/],
    [["s3://missing-bucket/x/"], s3Env(), /no such bucket/],
    [["hf://datasets/acme/corpus/corpus/*"], env({ HF_ENDPOINT: hub.url }), /private or gated: set HF_TOKEN/],
  ];
  for (const [inputs, childEnv, message] of cases) {
    const out = join(dir, `cfg-${inputs[0]!.length}-${Math.random().toString(36).slice(2, 6)}`);
    const res = await runToEnd(runArgs(inputs, out), childEnv);
    assert.equal(res.code, 2, res.stderr);
    const lines = res.stderr.trim().split("\n");
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, /^webscale-rl: /);
    assert.match(lines[0]!, message);
    assert.ok(!/\n\s+at /.test(res.stderr));
    assert.ok(!existsSync(join(out, "qa")) || readJsonl(join(out, "qa")).length === 0);
  }
});
