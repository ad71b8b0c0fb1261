/**
 * One small corpus in every remote-readable shape (JSONL, JSONL.gz, Parquet in several row
 * groups, a WARC), written locally, and helpers that put the same bytes into the S3 test
 * server and the fake Hub, so that tests can compare local and remote reads.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { parquetWriteFile } from "hyparquet-writer";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { EXAMPLES } from "./pipeline-harness.js";
import { makeWarc } from "./warc-fixtures.js";
import type { FakeS3 } from "./s3-server.js";

/** Relative path → local file, for a folder holding the corpus. */
export async function writeCorpus(dir: string): Promise<Record<string, string>> {
  mkdirSync(join(dir, "web"), { recursive: true });
  const lines = readFileSync(EXAMPLES, "utf8").split("\n").filter(Boolean);
  const docs = lines.map((l) => JSON.parse(l) as { id: string; text: string });
  const files: Record<string, string> = {
    "web/part-0.jsonl": join(dir, "web/part-0.jsonl"),
    "web/part-1.jsonl.gz": join(dir, "web/part-1.jsonl.gz"),
    "web/shard.parquet": join(dir, "web/shard.parquet"),
    "web/crawl.warc.gz": join(dir, "web/crawl.warc.gz"),
  };
  const half = Math.ceil(docs.length / 2);
  writeFileSync(files["web/part-0.jsonl"]!, lines.slice(0, half).join("\n") + "\n{broken line\n");
  writeFileSync(files["web/part-1.jsonl.gz"]!, gzipSync(lines.slice(half).join("\n") + "\n"));
  parquetWriteFile({
    filename: files["web/shard.parquet"]!,
    rowGroupSize: 3,
    columnData: [
      { name: "id", data: docs.map((d) => `pq-${d.id}`), type: "STRING" },
      { name: "text", data: docs.map((d) => d.text), type: "STRING" },
      // A wide column the readers never ask for: random, so that compression cannot shrink it.
      { name: "unused", data: docs.map(() => randomBytes(30_000).toString("base64")), type: "STRING" },
    ],
  });
  writeFileSync(files["web/crawl.warc.gz"]!, await makeWarc());
  return files;
}

export function s3Client(fake: FakeS3): S3Client {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return new S3Client({
    endpoint: fake.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: fake.env.AWS_ACCESS_KEY_ID!, secretAccessKey: fake.env.AWS_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
}

export async function putFiles(fake: FakeS3, bucket: string, prefix: string, files: Record<string, string>): Promise<void> {
  const client = s3Client(fake);
  for (const [rel, local] of Object.entries(files)) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + rel, Body: readFileSync(local) }));
  }
  client.destroy();
}

export function hubFiles(files: Record<string, string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(files).map(([rel, local]) => [rel, readFileSync(local)]));
}
