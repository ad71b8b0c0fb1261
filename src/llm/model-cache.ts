/**
 * Downloads a model file once into a cache directory: to a `.part` file (resumed with an HTTP
 * Range request when a previous attempt was cut off), with progress, a size and SHA-256 check,
 * then an atomic rename. Anything that makes the download impossible becomes an
 * `LlmError("config")` within seconds, saying what to do instead.
 */
import cliProgress from "cli-progress";
import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, statSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LlmError } from "./types.js";

export interface ModelDescriptor {
  /** Human name, e.g. "Qwen2.5-1.5B-Instruct (Q4_K_M)". */
  name: string;
  url: string;
  /** Lower-case hex SHA-256 of the file; empty = unknown (size is then the only check). */
  sha256: string;
  sizeBytes: number;
  /** File name inside the cache's models/ directory. */
  file: string;
}

export interface EnsureModelOptions {
  cacheDir?: string;
  /** Called as bytes arrive; replaces the default bar/log lines when given. */
  onProgress?: (receivedBytes: number, totalBytes: number) => void;
  log?: (msg: string) => void;
  /** How long to wait for the server's response headers (default 10 s). */
  connectTimeoutMs?: number;
  /** Abort when no byte arrives for this long once the transfer runs (default 60 s). */
  stallTimeoutMs?: number;
}

/** `$WEBSCALE_RL_CACHE`, else `$XDG_CACHE_HOME/webscale-rl`, else `~/.cache/webscale-rl`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WEBSCALE_RL_CACHE) return path.resolve(env.WEBSCALE_RL_CACHE);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), "webscale-rl");
  return path.join(os.homedir(), ".cache", "webscale-rl");
}

/** Where `ensureModel` keeps (or will keep) the model. */
export function cachedModelPath(model: ModelDescriptor, cacheDir = defaultCacheDir()): string {
  return path.join(cacheDir, "models", model.file);
}

/** The actionable part of every "cannot get the model" error. */
export function missingModelAdvice(model: ModelDescriptor, target: string): string {
  return [
    "Do one of:",
    `  - use a GGUF model file you have: --engine local --model-file path/to/model.gguf`,
    `    (e.g. fetch ${model.url}`,
    `     on a machine with internet access and copy it to ${target}, or pass it with --model-file;`,
    `     any instruction-tuned GGUF works)`,
    `  - use a model server: --base-url http://HOST:PORT/v1 --model NAME (vLLM, SGLang, llama.cpp server, Ollama)`,
    `  - or set OPENAI_BASE_URL and OPENAI_API_KEY (and --model) for a hosted OpenAI-compatible API.`,
  ].join("\n");
}

/** Returns the path of the verified model file, downloading it first if needed. */
export async function ensureModel(model: ModelDescriptor, opts: EnsureModelOptions = {}): Promise<string> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const target = cachedModelPath(model, cacheDir);
  // A file only ever reaches its final name after verification, so a size match is enough here
  // (re-hashing a gigabyte on every run would cost seconds).
  if (existsSync(target) && statSync(target).size === model.sizeBytes) return target;

  const fail = (reason: string): never => {
    throw new LlmError("config", `Could not download the model ${model.name} (${formatBytes(model.sizeBytes)}) from ${model.url}: ${reason}.\n${missingModelAdvice(model, target)}`);
  };
  try {
    await mkdir(path.dirname(target), { recursive: true });
  } catch (err) {
    fail(`cannot create the cache directory ${path.dirname(target)} (${(err as Error).message}); set WEBSCALE_RL_CACHE to a writable directory`);
  }

  const part = `${target}.part`;
  const hash = createHash("sha256");
  let have = existsSync(part) ? statSync(part).size : 0;
  if (have > model.sizeBytes) {
    await rm(part, { force: true });
    have = 0;
  }
  if (have > 0) await hashFile(part, hash);

  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const stallTimeoutMs = opts.stallTimeoutMs ?? 60_000;
  const ctrl = new AbortController();
  let timeoutReason = "";
  let timer = setTimeout(() => {
    timeoutReason = `no response within ${connectTimeoutMs / 1000} s`;
    ctrl.abort();
  }, connectTimeoutMs);

  let res: Response;
  try {
    res = await fetch(model.url, { signal: ctrl.signal, redirect: "follow", headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  } catch (err) {
    clearTimeout(timer);
    return fail(timeoutReason || networkReason(err));
  }
  clearTimeout(timer);

  let append = false;
  if (res.status === 206 && have > 0) {
    append = true;
  } else if (res.status === 416 && have === model.sizeBytes) {
    // The previous attempt got every byte but stopped before verification.
    await res.body?.cancel();
    append = true;
  } else if (res.ok) {
    // The server ignored the Range request (or there was nothing to resume): start over.
    have = 0;
  } else {
    await res.body?.cancel();
    return fail(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
  }
  const digest = append ? hash : createHash("sha256");
  if (append && have > 0) opts.log?.(`resuming the download of ${model.name} at ${formatBytes(have)}`);

  const progress = opts.onProgress ? { update: opts.onProgress, stop: () => {} } : defaultProgress(model, opts.log);
  let received = append ? have : 0;
  progress.update(received, model.sizeBytes);
  const out = createWriteStream(part, { flags: append ? "a" : "w" });
  const armStall = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timeoutReason = `the transfer stalled (no data for ${stallTimeoutMs / 1000} s); run again to resume`;
      ctrl.abort();
    }, stallTimeoutMs);
  };
  try {
    armStall();
    if (res.status !== 416 && res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        armStall();
        digest.update(chunk);
        received += chunk.length;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", r));
        progress.update(received, model.sizeBytes);
        if (received > model.sizeBytes) break;
      }
    }
  } catch (err) {
    return fail(timeoutReason || networkReason(err));
  } finally {
    clearTimeout(timer);
    progress.stop();
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  if (received !== model.sizeBytes) {
    if (received > model.sizeBytes) await rm(part, { force: true });
    return fail(
      received > model.sizeBytes
        ? `the server sent more than the expected ${model.sizeBytes} bytes; the download was discarded`
        : `the transfer ended after ${received} of ${model.sizeBytes} bytes; run again to resume`,
    );
  }
  const sum = digest.digest("hex");
  if (model.sha256 && sum !== model.sha256.toLowerCase()) {
    await rm(part, { force: true });
    return fail(`checksum mismatch (SHA-256 ${sum}, expected ${model.sha256}); the download was discarded`);
  }
  await rename(part, target);
  opts.log?.(`model ${model.name} saved to ${target}`);
  return target;
}

async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

/** The shortest honest description of a fetch failure (DNS, refused, reset, TLS...). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ENOTFOUND" || cause?.code === "EAI_AGAIN") return `the host name does not resolve (${cause.code}: no network or DNS?)`;
  if (cause?.code) return `network error ${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
  return `network error (${(err as Error).message})`;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

interface Progress {
  update(received: number, total: number): void;
  stop(): void;
}

/** A bar on a terminal; otherwise a log line every 10 %. */
function defaultProgress(model: ModelDescriptor, log: ((msg: string) => void) | undefined): Progress {
  if (process.stderr.isTTY) return barProgress(model);
  let nextTenth = 0;
  return {
    update(received, total) {
      const tenth = Math.floor((received / Math.max(1, total)) * 10);
      if (tenth < nextTenth) return;
      nextTenth = tenth + 1;
      log?.(`downloading ${model.name}: ${formatBytes(received)} / ${formatBytes(total)} (${tenth * 10}%)`);
    },
    stop() {},
  };
}

function barProgress(model: ModelDescriptor): Progress {
  let bar: cliProgress.SingleBar | undefined;
  const payload = (received: number, total: number) => ({ got: (received / 1e6).toFixed(0), all: (total / 1e6).toFixed(0) });
  return {
    update(received, total) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: `downloading ${model.name} [{bar}] {percentage}% | {got} / {all} MB | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, received, payload(received, total));
      } else bar.update(received, payload(received, total));
    },
    stop() {
      bar?.stop();
    },
  };
}
