/**
 * Remote inputs against real protocol servers on 127.0.0.1: s3rver behind a fault proxy and
 * our Hub fake. The same corpus read locally, from S3 and from the Hub gives the same
 * documents; dropped connections and 5xx/429 answers are retried and counted; Parquet is read
 * by ranges (only the needed columns); a file that changes under a run is reported; a file
 * that keeps failing is one counted rejection with its location; configuration problems
 * are one line that says what to do.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { readSources, expandInputSpecs, type InputSpec, type SourceItem } from "../src/io/sources/index.js";
import { RemoteIO } from "../src/io/remote/remote-io.js";
import { startFakeS3, type FakeS3 } from "./support/s3-server.js";
import { startFakeHub, type FakeHub } from "./support/fake-hub.js";
import { hubFiles, putFiles, s3Client, writeCorpus } from "./support/remote-corpus.js";
import { tempDir } from "./support/pipeline-harness.js";

const OPTS = { textField: "text", idField: "id" };
const FAST = { retries: 4, backoffMs: 5, timeoutMs: 10_000 };

let s3: FakeS3;
let hub: FakeHub;
let files: Record<string, string>;
const dir = tempDir("io-remote-");

test.before(async () => {
  files = await writeCorpus(dir);
  s3 = await startFakeS3(["corpus", "other"]);
  await putFiles(s3, "corpus", "data/", files);
  hub = await startFakeHub();
  hub.commit("acme/web", hubFiles(files));
  hub.commit("acme/private-web", hubFiles(files), { private: true });
});
test.after(async () => {
  await s3?.close();
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

function ioFor(env: Record<string, string>, pieceBytes?: number, logs: string[] = []) {
  return new RemoteIO({ env: { ...env }, policy: FAST, log: (m) => logs.push(m), pieceBytes });
}
const s3Env = () => s3.env;
const hubEnv = (token?: string) => ({ HF_ENDPOINT: hub.url, ...(token ? { HF_TOKEN: token } : {}) });

async function read(inputs: (string | InputSpec)[], io?: RemoteIO): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of readSources(inputs, { ...OPTS, io })) out.push(item);
  return out;
}

/** Items without the file label, which differs by where the corpus lives. */
function comparable(items: SourceItem[]) {
  return items.map((i) => {
    const s = i.kind === "doc" ? i.doc.source : i.rejection.source;
    const { file: _f, ...where } = s;
    return i.kind === "doc" ? { id: i.doc.id, text: i.doc.text, where } : { reason: i.rejection.reason, where };
  });
}

const LOCAL_ORDER = ["web/crawl.warc.gz", "web/part-0.jsonl", "web/part-1.jsonl.gz", "web/shard.parquet"];

test("s3:// and hf:// globs list like local ones and read the same documents and rejections, in the same order", async () => {
  const local = await read(LOCAL_ORDER.map((r) => files[r]!));
  assert.ok(local.filter((i) => i.kind === "doc").length >= 20);

  const io = ioFor(s3Env(), 64 * 1024);
  const s3Specs = await expandInputSpecs(["s3://corpus/data/web/*"], io);
  assert.deepEqual(s3Specs.map((s) => s.path), LOCAL_ORDER.map((r) => `s3://corpus/data/${r}`));
  assert.ok(s3Specs.every((s) => s.pin && s.pin.etag && s.pin.size > 0));
  const fromS3 = await read(s3Specs, io);
  assert.deepEqual(comparable(fromS3), comparable(local));
  assert.equal((fromS3[0]!.kind === "doc" ? fromS3[0]!.doc : (fromS3[0] as any).rejection).source.file, "s3://corpus/data/web/crawl.warc.gz");

  const hio = ioFor(hubEnv(), 64 * 1024);
  const hubSpecs = await expandInputSpecs(["hf://datasets/acme/web/web"], hio);
  assert.deepEqual(hubSpecs.map((s) => s.path), LOCAL_ORDER.map((r) => `hf://datasets/acme/web/${r}`));
  assert.deepEqual(comparable(await read(hubSpecs, hio)), comparable(local));
  assert.ok(hio.stats.by_scheme.hf!.requests > 0 && hio.stats.bytes > 0);
});

test("Parquet over S3 reads the footer and only the needed columns' ranges, not the whole file", async () => {
  const io = ioFor(s3Env());
  const [spec] = await expandInputSpecs(["s3://corpus/data/web/shard.parquet"], io);
  const before = io.stats.bytes;
  const items = await read([spec!], io);
  assert.equal(items.filter((i) => i.kind === "doc").length, items.length);
  const readBytes = io.stats.bytes - before;
  assert.ok(readBytes < spec!.pin!.size * 0.75, `read ${readBytes} of ${spec!.pin!.size} bytes (the unused column is most of the file)`);
});

test("a connection dropped mid-file and 503/429 answers are retried with backoff and counted; the documents are the same", async () => {
  const io = ioFor(s3Env(), 4096);
  const logs: string[] = [];
  const io2 = ioFor(hubEnv(), 4096, logs);
  const want = comparable(await read([files["web/part-0.jsonl"]!, files["web/shard.parquet"]!]));

  s3.faults.push({ method: "GET", path: /part-0\.jsonl/, dropAfterBytes: 1000, times: 2 }, { method: "GET", path: /shard\.parquet/, status: 503, code: "SlowDown", times: 1 });
  const got = await read(["s3://corpus/data/web/part-0.jsonl", "s3://corpus/data/web/shard.parquet"], io);
  assert.deepEqual(comparable(got), want);
  assert.equal(io.stats.retries, 3);
  assert.equal(io.stats.failures, 0);

  hub.faults.push({ method: "GET", path: /resolve\/.*part-0\.jsonl/, dropAfterBytes: 500, times: 1 }, { path: /resolve\/.*shard\.parquet/, status: 429, times: 1 });
  const got2 = await read(["hf://datasets/acme/web/web/part-0.jsonl", "hf://datasets/acme/web/web/shard.parquet"], io2);
  assert.deepEqual(comparable(got2), want);
  assert.equal(io2.stats.retries, 2);
  assert.ok(logs.some((l) => /retry 1 of 4/.test(l)), logs.join("\n"));
});

test("a file that fails every retry is one counted input.unreadable_file rejection with its URL and where reading stopped; the next file is read", async () => {
  const io = ioFor(s3Env(), 2048);
  s3.faults.push({ method: "GET", path: /part-0\.jsonl/, status: 500, code: "InternalError", times: Infinity });
  try {
    const items = await read(["s3://corpus/data/web/part-0.jsonl", "s3://corpus/data/web/part-1.jsonl.gz"], io);
    const bad = items.filter((i) => i.kind === "bad").map((i) => (i as any).rejection);
    const failed = bad.find((r) => r.reason === "input.unreadable_file");
    assert.ok(failed, JSON.stringify(bad));
    assert.equal(failed.source.file, "s3://corpus/data/web/part-0.jsonl");
    assert.match(failed.detail, /500|InternalError/);
    assert.ok(items.some((i) => i.kind === "doc" && i.doc.source.file.endsWith("part-1.jsonl.gz")));
    assert.equal(io.stats.failures, 1);
    assert.equal(io.stats.retries, FAST.retries);
  } finally {
    s3.faults.length = 0;
  }
});

test("an S3 object overwritten after it was listed is input.changed_file, never its new bytes", async () => {
  const client = s3Client(s3);
  await client.send(new PutObjectCommand({ Bucket: "other", Key: "a.jsonl", Body: '{"id":"1","text":"version one"}\n' }));
  const io = ioFor(s3Env());
  const specs = await expandInputSpecs(["s3://other/a.jsonl"], io);
  await client.send(new PutObjectCommand({ Bucket: "other", Key: "a.jsonl", Body: '{"id":"1","text":"version two, longer"}\n' }));
  client.destroy();
  const items = await read(specs, io);
  assert.equal(items.length, 1);
  assert.equal(items[0]!.kind, "bad");
  assert.equal((items[0] as any).rejection.reason, "input.changed_file");
  assert.match((items[0] as any).rejection.detail, /changed since this run first listed it/);
});

test("hf:// reads a file at the commit it was listed at, even after the branch moved on", async () => {
  hub.commit("acme/moving", { "a.jsonl": '{"id":"1","text":"first commit"}\n' });
  const io = ioFor(hubEnv());
  const specs = await expandInputSpecs(["hf://datasets/acme/moving/a.jsonl"], io);
  hub.commit("acme/moving", { "a.jsonl": '{"id":"1","text":"second commit"}\n' });
  const items = await read(specs, io);
  assert.equal(items[0]!.kind === "doc" && items[0]!.doc.text, "first commit");
  const io2 = ioFor(hubEnv());
  const later = await read(await expandInputSpecs(["hf://datasets/acme/moving@main/a.jsonl"], io2), io2);
  assert.equal(later[0]!.kind === "doc" && later[0]!.doc.text, "second commit");
});

test("configuration problems are one line that says what to do", async () => {
  await assert.rejects(expandInputSpecs(["s3://no-such-bucket/x/*.jsonl"], ioFor(s3Env())), /no-such-bucket.*no such bucket.*check the bucket name/);
  await assert.rejects(
    expandInputSpecs(["s3://corpus/data/*.jsonl"], ioFor({ ...s3Env(), AWS_ACCESS_KEY_ID: "AKIAWRONGKEY" })),
    (err: Error) => /refused the credentials \(InvalidAccessKeyId\)/.test(err.message) && /AWS_ACCESS_KEY_ID/.test(err.message) && !err.message.includes("AKIAWRONGKEY"),
  );
  await assert.rejects(expandInputSpecs(["s3://corpus/data/nothing-*.jsonl"], ioFor(s3Env())), /no input files match 's3:\/\/corpus\/data\/nothing-\*\.jsonl'/);
  await assert.rejects(expandInputSpecs(["hf://datasets/acme/private-web/web/*.jsonl"], ioFor(hubEnv())), /wants a token \(401\).*set HF_TOKEN/);
  await assert.rejects(expandInputSpecs(["hf://datasets/acme/private-web/web/*.jsonl"], ioFor(hubEnv("hf_wrong_secret"))), (err: Error) => /refused HF_TOKEN/.test(err.message) && !err.message.includes("hf_wrong_secret"));
  const ok = await expandInputSpecs(["hf://datasets/acme/private-web/web/*.jsonl*"], ioFor(hubEnv("hf_test_token")));
  assert.equal(ok.length, 2);
  await assert.rejects(expandInputSpecs(["hf://datasets/acme/nope/x.jsonl"], ioFor(hubEnv())), /no such dataset or revision/);
  await assert.rejects(expandInputSpecs(["hf://models/acme/x"], ioFor(hubEnv())), /hf:\/\/datasets\/ORG\/NAME/);
  await assert.rejects(expandInputSpecs([`${hub.url}/datasets/acme/web/resolve/main/web/notes.csv`], ioFor({})), /does not exist|unsupported/);
});

test("https:// single files: read by ranges, with the same documents as the local file", async () => {
  const url = `${hub.url}/datasets/acme/web/resolve/main/web/part-1.jsonl.gz?token=secret-signature`;
  const io = ioFor({}, 1024);
  const specs = await expandInputSpecs([url], io);
  assert.equal(specs[0]!.pin!.url, `${hub.url}/datasets/acme/web/resolve/main/web/part-1.jsonl.gz`);
  const got = await read(specs, io);
  assert.deepEqual(comparable(got), comparable(await read([files["web/part-1.jsonl.gz"]!])));
  assert.ok(got.every((i) => i.kind !== "doc" || !i.doc.source.file.includes("secret")), "the query string is never shown");
});

test("curate reads remote QA JSONL (s3:// and hf://) like a local file: the same pairs kept", async () => {
  const { runCurate } = await import("../src/curate/standalone.js");
  const { defaultCurateOptions } = await import("../src/curate/options.js");
  const { readFileSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const qa = [1, 2, 3, 2].map((n) => JSON.stringify({ question: `What year did the mill at site ${n} stop working?`, answer: String(1950 + n), domain: "Other" })).join("\n") + "\n";
  const local = join(dir, "pairs.jsonl");
  writeFileSync(local, qa);
  const client = s3Client(s3);
  await client.send(new PutObjectCommand({ Bucket: "other", Key: "qa/pairs.jsonl", Body: qa }));
  client.destroy();
  hub.commit("acme/pairs", { "pairs.jsonl": qa });
  const kept = async (input: string, out: string, env: Record<string, string>) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      await runCurate({ inputs: [input], out: join(dir, out), options: { ...defaultCurateOptions, decontaminate: false }, partRecords: 1000 });
    } finally {
      for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
    }
    return readFileSync(join(dir, out, "qa", "part-curated-00000.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).question);
  };
  const want = await kept(local, "cur-local", {});
  assert.equal(want.length, 3, "the duplicate is dropped");
  assert.deepEqual(await kept("s3://other/qa/*.jsonl", "cur-s3", s3.env), want);
  assert.deepEqual(await kept("hf://datasets/acme/pairs/pairs.jsonl", "cur-hub", { HF_ENDPOINT: hub.url }), want);
});

test("run.json keeps input URLs without their query string (a presigned URL's signature)", async () => {
  const { resolveRunConfig } = await import("../src/config/load.js");
  const { redactConfig } = await import("../src/config/redact.js");
  const { config } = resolveRunConfig({ inputs: ["https://bucket.example/a.jsonl?X-Amz-Signature=abc123", "s3://b/k/"], out: "/tmp/x", llm: { defaults: { baseUrl: ["http://127.0.0.1:1/v1"], model: "m" } } }, { env: {} });
  assert.deepEqual(redactConfig(config).inputs, ["https://bucket.example/a.jsonl", "s3://b/k/"]);
});
