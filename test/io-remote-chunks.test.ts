/**
 * `queue submit` splits remote files as it splits local ones: Parquet by row groups (from
 * the footer alone), plain JSONL by line ranges that also carry their first byte, so a
 * worker reads only its slice; every chunk keeps the file's pin. Reading every chunk gives
 * exactly the file's documents: no gap, no duplicate.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { chunkFile, type Chunk } from "../src/queue/chunks.js";
import { expandInputSpecs, readSources, type SourceItem } from "../src/io/sources/index.js";
import { RemoteIO } from "../src/io/remote/remote-io.js";
import { startFakeS3, type FakeS3 } from "./support/s3-server.js";
import { putFiles, writeCorpus } from "./support/remote-corpus.js";
import { tempDir } from "./support/pipeline-harness.js";

const OPTS = { textField: "text", idField: "id" };
const dir = tempDir("io-remote-chunks-");
let s3: FakeS3;
let files: Record<string, string>;

test.before(async () => {
  files = await writeCorpus(dir);
  s3 = await startFakeS3(["c"]);
  await putFiles(s3, "c", "", files);
});
test.after(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function chunks(file: Parameters<typeof chunkFile>[1], io?: RemoteIO, notes: string[] = []): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const c of chunkFile("/out", file, 4, (m) => notes.push(m), io)) out.push(c);
  return out;
}
async function read(inputs: Parameters<typeof readSources>[0], io?: RemoteIO): Promise<string[]> {
  const out: string[] = [];
  for await (const i of readSources(inputs, { ...OPTS, io })) out.push(describe(i));
  return out;
}
function describe(i: SourceItem): string {
  const s = i.kind === "doc" ? i.doc.source : i.rejection.source;
  return `${s.line ?? s.row}:${i.kind === "doc" ? i.doc.id : i.rejection.reason}`;
}
const ranges = (cs: Chunk[]) => cs.map((c) => [c.input.fromLine ?? c.input.fromRow, c.input.toLine ?? c.input.toRow, c.docs]);

test("remote Parquet and plain JSONL split into the same ranges as local files, each chunk pinned; the chunks read back the whole file exactly", async () => {
  const io = new RemoteIO({ env: s3.env, policy: { backoffMs: 5 } });
  for (const rel of ["web/shard.parquet", "web/part-0.jsonl"]) {
    const [spec] = await expandInputSpecs([`s3://c/${rel}`], io);
    const remote = await chunks(spec!, io);
    const local = await chunks(files[rel]!);
    assert.ok(remote.length >= 3, `${rel}: ${remote.length} chunks`);
    assert.deepEqual(ranges(remote), ranges(local));
    assert.ok(remote.every((c) => c.input.pin?.etag === spec!.pin!.etag));
    const whole = await read([spec!], io);
    const pieces = (await Promise.all(remote.map((c) => read([c.input], io)))).flat();
    assert.deepEqual(pieces, whole, `${rel}: chunks give every document once`);
  }
});

test("a plain JSONL chunk starts reading at its first byte; a compressed remote JSONL file stays one chunk, and says why", async () => {
  const io = new RemoteIO({ env: s3.env, policy: { backoffMs: 5 } });
  const [plain] = await expandInputSpecs(["s3://c/web/part-0.jsonl"], io);
  const parts = await chunks(plain!, io);
  assert.equal(parts[0]!.input.fromByte, 0);
  assert.ok(parts[1]!.input.fromByte! > 0);
  const before = io.stats.bytes;
  await read([parts.at(-1)!.input], io);
  assert.ok(io.stats.bytes - before < plain!.pin!.size, "the last chunk does not read the file from its start");

  const notes: string[] = [];
  const [gz] = await expandInputSpecs(["s3://c/web/part-1.jsonl.gz"], io);
  const one = await chunks(gz!, io, notes);
  assert.equal(one.length, 1);
  assert.equal(one[0]!.input.fromLine, undefined);
  assert.match(notes[0]!, /compressed remote JSONL file is one chunk/);
});
