/**
 * `export --out s3://…` and `export --format hf --push-to-hub ORG/NAME` as a user runs
 * them, against s3rver and the Hub fake on loopback: the same files land remotely as
 * locally (the card included), a connection dropped mid-upload is retried, a rerun after a
 * failed push sends only what is missing, and a missing token is one clear line.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { makeSyntheticRun } from "./support/synthetic-run.js";
import { REPO_ROOT, tempDir } from "./support/pipeline-harness.js";
import { startFakeS3, type FakeS3 } from "./support/s3-server.js";
import { startFakeHub, type FakeHub } from "./support/fake-hub.js";
import { s3Client } from "./support/remote-corpus.js";
import { publishedFiles } from "../src/export/publish.js";
import { errorLines } from "./support/cli.js";
import { cliArgv } from "./support/cli-command.js";

const TOKEN = "hf_write_token";
let root: string;
let run: string;
let s3: FakeS3;
let hub: FakeHub;

before(async () => {
  root = tempDir("wsrl-export-remote-");
  run = join(root, "run");
  makeSyntheticRun(run, { pairs: 400, badLines: 0 });
  s3 = await startFakeS3(["exports"]);
  hub = await startFakeHub({ tokens: { [TOKEN]: "alice" } });
});
after(async () => {
  await s3?.close();
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|HF_)/.test(k)));
  return { ...base, AWS_EC2_METADATA_DISABLED: "true", AWS_SHARED_CREDENTIALS_FILE: join(root, "none"), AWS_CONFIG_FILE: join(root, "none"), ...extra };
}

async function cli(args: string[], childEnv: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, cliArgv(["export", ...args]), { cwd: REPO_ROOT, env: childEnv });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function s3Bytes(key: string): Promise<Buffer> {
  const client = s3Client(s3);
  const res = await client.send(new GetObjectCommand({ Bucket: "exports", Key: key }));
  const bytes = Buffer.from(await res.Body!.transformToByteArray());
  client.destroy();
  return bytes;
}

test("--out s3://BUCKET/PREFIX: the same files as a local export; a dropped upload is retried; a rerun sends nothing again", { timeout: 120_000 }, async () => {
  const local = join(root, "local-hf");
  const l = await cli([run, "--format", "hf", "--out", local, "--shard-rows", "150", "--no-progress"], env({}));
  assert.equal(l.code, 0, l.stderr);
  const rels = publishedFiles(local);
  assert.ok(rels.includes("README.md") && rels.filter((r) => r.endsWith(".parquet")).length >= 3, rels.join(","));

  s3.faults.push({ method: "PUT", path: /train-00001/, dropAfterBytes: 100, times: 1 });
  const r = await cli([run, "--format", "hf", "--out", "s3://exports/runs/r1", "--shard-rows", "150", "--no-progress"], env(s3.env));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`uploaded ${rels.length} file\\(s\\) to s3://exports/runs/r1/`));
  assert.match(r.stderr, /io: upload s3:\/\/exports\/runs\/r1\/data\/train-00001.*retry 1/);
  // The card names the dataset after where it is: "r1" here, "local-hf" locally.
  const same = (rel: string, remote: Buffer, name: string) =>
    rel === "README.md" ? remote.toString().replaceAll(name, "local-hf") === readFileSync(join(local, rel), "utf8") : remote.equals(readFileSync(join(local, rel)));
  for (const rel of rels) assert.ok(same(rel, await s3Bytes(`runs/r1/${rel}`), "r1"), `${rel} is the same remotely`);

  const again = await cli([run, "--format", "hf", "--out", "s3://exports/runs/r1", "--shard-rows", "150", "--no-progress"], env(s3.env));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`uploaded 0 file\\(s\\) to s3://exports/runs/r1/, ${rels.length} already there`));
  const client = s3Client(s3);
  const head = await client.send(new HeadObjectCommand({ Bucket: "exports", Key: "runs/r1/README.md" }));
  client.destroy();
  assert.match(head.Metadata?.sha256 ?? "", /^[0-9a-f]{64}$/);
});

test("--push-to-hub: one commit with the shards and the card; a push cut mid-upload fails clearly and its rerun sends only what is missing", { timeout: 120_000 }, async () => {
  const args = [run, "--format", "hf", "--push-to-hub", "alice/webscale-qa", "--private", "--shard-rows", "150", "--no-progress"];
  const hubEnv = env({ HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN });
  // Every upload of one shard is cut (the export is deterministic: its bytes, and so its
  // LFS oid, are those of the local export): the push fails after its retries, the other shards land.
  const local = join(root, "local-hf");
  const victim = readFileSync(join(local, "data", publishedFiles(join(local, "data")).find((f) => f.startsWith("train-00001"))!));
  const oid = createHash("sha256").update(victim).digest("hex");
  hub.faults.push({ method: "PUT", path: new RegExp(`lfs-upload/${oid}`), dropAfterBytes: 10, times: Infinity });
  const cut = await cli(args, hubEnv);
  assert.notEqual(cut.code, 0);
  assert.match(cut.stderr, /push to .*alice\/webscale-qa stopped: .*run the same command again/);
  assert.match(cut.stderr, /io: push to alice\/webscale-qa: .*retry 1 of/);
  assert.ok(!cut.stderr.includes(TOKEN));
  assert.ok(!/\n\s+at /.test(cut.stderr), cut.stderr);
  hub.faults.length = 0;

  hub.uploadedBytes = 0;
  const ok = await cli(args, hubEnv);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /uploaded \d+ file\(s\) to .*\/datasets\/alice\/webscale-qa \(commit [0-9a-f]{40}\)/);
  const files = hub.files("alice/webscale-qa")!;
  for (const rel of publishedFiles(local)) {
    const remote = files.get(rel)!;
    const want = readFileSync(join(local, rel));
    assert.ok(rel === "README.md" ? remote.toString().replaceAll("webscale-qa", "local-hf") === want.toString() : remote.equals(want), `${rel} on the Hub`);
  }
  assert.match(files.get("README.md")!.toString(), /configs:|data_files/);
  assert.equal(hub.uploadedBytes, victim.length, "the rerun sent only the shard that was missing");

  hub.uploadedBytes = 0;
  const again = await cli(args, hubEnv);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(hub.uploadedBytes, 0, "a second push sends no shard again");
});

test("--push-to-hub without a token, or with a refused one, stops before any work with one line", async () => {
  const args = [run, "--format", "hf", "--push-to-hub", "alice/x", "--no-progress"];
  const none = await cli(args, env({ HF_ENDPOINT: hub.url }));
  assert.equal(none.code, 2);
  assert.equal(none.stderr.trim().split("\n").length, 1, none.stderr);
  assert.match(none.stderr, /^webscale-rl: --push-to-hub needs a Hugging Face token with write access: set HF_TOKEN/);
  const bad = await cli(args, env({ HF_ENDPOINT: hub.url, HF_TOKEN: "hf_not_valid" }));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /refused HF_TOKEN \(401\)/);
  assert.ok(!bad.stderr.includes("hf_not_valid"));
  // A token the Hub accepts but that may not write (a read token) is refused at the push.
  hub.faults.push({ method: "POST", path: /^\/api\/repos\/create/, status: 403 });
  const readOnly = await cli(args, env({ HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN }));
  hub.faults.length = 0;
  assert.equal(readOnly.code, 2, readOnly.stderr);
  // One error line (beside the note that this synthetic run has no completion marker).
  assert.deepEqual(errorLines(readOnly.stderr).length, 1, readOnly.stderr);
  assert.match(errorLines(readOnly.stderr)[0]!, /^webscale-rl: --push-to-hub alice\/x: access denied \(403\): HF_TOKEN needs write access/);
  const wrongFormat = await cli([run, "--format", "verl", "--push-to-hub", "alice/x"], env({ HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN }));
  assert.match(wrongFormat.stderr, /--push-to-hub applies to --format hf/);
  const noCreds = await cli([run, "--format", "verl", "--out", "s3://exports/v"], env({ AWS_ENDPOINT_URL: s3.endpoint }));
  assert.equal(noCreds.code, 2);
  assert.match(noCreds.stderr, /^webscale-rl: s3:\/\/exports\/v: no AWS credentials found/);
});
