/**
 * The embedded default's download path against real HTTP servers on 127.0.0.1: a download lands
 * in the cache verified, a bad checksum is refused, a cut-off download resumes with Range, and
 * every way the download can be impossible stops within seconds with what to do instead.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { LlmConfig } from "../src/config/schema.js";
import { DEFAULT_LOCAL_MODEL, embeddedDefaultNotice, resolveEmbeddedDefault, wantsEmbeddedDefault } from "../src/llm/default-model.js";
import { cachedModelPath, defaultCacheDir, ensureModel, type ModelDescriptor } from "../src/llm/model-cache.js";
import { LlmError } from "../src/llm/types.js";

const payload = randomBytes(300_000);
const sha = createHash("sha256").update(payload).digest("hex");

interface FileServer {
  url: string;
  requests: { range?: string }[];
  close(): Promise<void>;
}

/** Serves `payload` at /model.gguf (with Range support), 404 elsewhere. */
async function serveFile(opts: { status?: number; hang?: boolean } = {}): Promise<FileServer> {
  const requests: { range?: string }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ range: req.headers.range });
    if (opts.hang) return; // accept the connection, never answer
    if (opts.status) {
      res.writeHead(opts.status).end("nope");
      return;
    }
    if (req.url !== "/model.gguf") {
      res.writeHead(404).end("not found");
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (m) {
      const start = Number(m[1]);
      if (start >= payload.length) {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(206, { "content-length": payload.length - start, "content-range": `bytes ${start}-${payload.length - 1}/${payload.length}` });
      res.end(payload.subarray(start));
      return;
    }
    res.writeHead(200, { "content-length": payload.length });
    res.end(payload);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function descriptor(url: string, sha256 = sha): ModelDescriptor {
  return { name: "test-model", url, sha256, sizeBytes: payload.length, file: "test-model.gguf" };
}

function tempCache(): string {
  return mkdtempSync(path.join(os.tmpdir(), "wsrl-cache-"));
}

function assertActionable(err: unknown, reason: RegExp): boolean {
  assert.ok(err instanceof LlmError, `an LlmError, got ${String(err)}`);
  assert.equal(err.code, "config");
  assert.match(err.message, reason);
  assert.match(err.message, /--model-file path\/to\/model\.gguf/);
  assert.match(err.message, /--base-url/);
  assert.match(err.message, /OPENAI_BASE_URL/);
  return true;
}

test("a download lands in the cache, verified, and is not fetched again", async () => {
  const server = await serveFile();
  const cacheDir = tempCache();
  try {
    const progress: number[] = [];
    const file = await ensureModel(descriptor(`${server.url}/model.gguf`), { cacheDir, onProgress: (got) => progress.push(got) });
    assert.equal(file, path.join(cacheDir, "models", "test-model.gguf"));
    assert.ok(readFileSync(file).equals(payload));
    assert.ok(!existsSync(`${file}.part`));
    assert.equal(progress.at(-1), payload.length);
    assert.equal(await ensureModel(descriptor(`${server.url}/model.gguf`), { cacheDir }), file);
    assert.equal(server.requests.length, 1, "the cached file is reused");
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("a wrong checksum is refused and nothing is kept", async () => {
  const server = await serveFile();
  const cacheDir = tempCache();
  try {
    const model = descriptor(`${server.url}/model.gguf`, "0".repeat(64));
    await assert.rejects(ensureModel(model, { cacheDir, log: () => {} }), (err) => assertActionable(err, /checksum mismatch/));
    assert.ok(!existsSync(cachedModelPath(model, cacheDir)));
    assert.ok(!existsSync(`${cachedModelPath(model, cacheDir)}.part`));
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("a cut-off download resumes with a Range request", async () => {
  const server = await serveFile();
  const cacheDir = tempCache();
  try {
    const model = descriptor(`${server.url}/model.gguf`);
    const target = cachedModelPath(model, cacheDir);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(`${target}.part`, payload.subarray(0, 120_000));
    const logs: string[] = [];
    const file = await ensureModel(model, { cacheDir, log: (m) => logs.push(m) });
    assert.equal(server.requests[0]?.range, "bytes=120000-");
    assert.ok(readFileSync(file).equals(payload));
    assert.ok(logs.some((l) => /resuming/.test(l)));
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("HTTP 404 stops at once with what to do instead", async () => {
  const server = await serveFile();
  const cacheDir = tempCache();
  try {
    await assert.rejects(ensureModel(descriptor(`${server.url}/missing.gguf`), { cacheDir, log: () => {} }), (err) => assertActionable(err, /HTTP 404/));
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("nothing listening on the port stops at once with what to do instead", async () => {
  // A port that was free a moment ago: bind, note it, close.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  const cacheDir = tempCache();
  try {
    await assert.rejects(
      ensureModel(descriptor(`http://127.0.0.1:${port}/model.gguf`), { cacheDir, log: () => {} }),
      (err) => assertActionable(err, /ECONNREFUSED/),
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("a server that never answers hits the connect timeout", async () => {
  const server = await serveFile({ hang: true });
  const cacheDir = tempCache();
  try {
    await assert.rejects(
      ensureModel(descriptor(`${server.url}/model.gguf`), { cacheDir, connectTimeoutMs: 300, log: () => {} }),
      (err) => assertActionable(err, /no response within 0.3 s/),
    );
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("the embedded default is used only when nothing names a model or a server", () => {
  assert.equal(wantsEmbeddedDefault({}, {}), true);
  assert.equal(wantsEmbeddedDefault({ engine: "local" }, {}), true);
  assert.equal(wantsEmbeddedDefault({ engine: "local", modelFile: "m.gguf" }, {}), false);
  assert.equal(wantsEmbeddedDefault({ engine: "openai" }, {}), false);
  assert.equal(wantsEmbeddedDefault({ baseUrl: ["http://x/v1"] }, {}), false);
  assert.equal(wantsEmbeddedDefault({ model: "gpt-4o-mini" }, {}), false);
  assert.equal(wantsEmbeddedDefault({}, { OPENAI_BASE_URL: "http://x/v1" }), false);
  assert.equal(wantsEmbeddedDefault({}, { OPENAI_API_KEY: "k" }), false);
});

test("resolveEmbeddedDefault says what it uses, downloads, and switches the config to the local engine", async () => {
  const server = await serveFile();
  const cacheDir = tempCache();
  try {
    const model = descriptor(`${server.url}/model.gguf`);
    const logs: string[] = [];
    const cfg = await resolveEmbeddedDefault(LlmConfig.parse({}), { model, cacheDir, log: (m) => logs.push(m), onProgress: () => {} });
    assert.equal(cfg.engine, "local");
    assert.equal(cfg.modelFile, cachedModelPath(model, cacheDir));
    assert.equal(logs[0], `No model server configured: using the local engine with test-model (cached at ${cfg.modelFile})`);
    assert.equal(logs[0], embeddedDefaultNotice(model, cacheDir));
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("the default model and cache directory are pinned and overridable", () => {
  assert.match(DEFAULT_LOCAL_MODEL.url, /^https:\/\/huggingface\.co\/.+\.gguf$/);
  assert.match(DEFAULT_LOCAL_MODEL.sha256, /^[0-9a-f]{64}$/);
  assert.ok(DEFAULT_LOCAL_MODEL.sizeBytes > 500_000_000);
  assert.equal(defaultCacheDir({ WEBSCALE_RL_CACHE: "/tmp/x" }), "/tmp/x");
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: "/tmp/xdg" }), "/tmp/xdg/webscale-rl");
  assert.equal(defaultCacheDir({}), path.join(os.homedir(), ".cache", "webscale-rl"));
});
