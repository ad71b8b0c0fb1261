/** A real redis-server for tests: 127.0.0.1, a free port, a temp dir, no persistence. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { track } from "./children.js";

export interface TestRedis {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Why redis tests must skip, or undefined when redis-server is installed. */
export function redisMissing(): string | undefined {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return r.error || r.status !== 0 ? "redis-server not installed: run scripts/install-test-deps.sh (apt-get install redis-server)" : undefined;
}

/** A port nothing listens on (just released), on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  // A released port can be taken by another process (test files run in parallel) before
  // redis-server binds it: try another one then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOn(await freePort());
    } catch (e) {
      if (attempt >= 5 || !/Address already in use/i.test(String(e))) throw e;
    }
  }
}

async function startRedisOn(port: number): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "wsrl-redis-"));
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(child);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      if (output.includes("Ready to accept connections")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
