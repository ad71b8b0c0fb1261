/**
 * `webscale-rl` as a real child process for tests: start it, watch its stderr, wait for events
 * it leaves on disk (a lock, a checkpoint, a status), and send it real signals.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./pipeline-harness.js";

export interface CliProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stderr(): string;
  stdout(): string;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src/cli/main.ts"), ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    // No server or key from the test runner's environment leaks into the command.
    env: { ...process.env, OPENAI_BASE_URL: "", OPENAI_API_KEY: "", ...env },
  });
  let stderr = "";
  let stdout = "";
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdout!.on("data", (d) => (stdout += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

/** Runs to the end; returns exit code and output. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const p = startCli(args, env);
  const code = await p.exited;
  return { code, stderr: p.stderr(), stdout: p.stdout() };
}

/**
 * Waits for a condition the system under test makes true (a file it writes, a line it logs).
 * `bail` ends the wait early with an error (e.g. the process exited first).
 */
export async function waitFor(what: string, cond: () => boolean, bail?: () => string | undefined, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return;
    const why = bail?.();
    if (why !== undefined) throw new Error(`gave up waiting for ${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Bails when the process has exited. */
export const whileRunning = (p: CliProcess) => () => (p.child.exitCode !== null || p.child.signalCode !== null ? `the process exited (${p.child.exitCode ?? p.child.signalCode}): ${p.stderr()}` : undefined);

export function readJson<T = any>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined;
}

/** Lines of stderr that look like a stack trace: a failure must be one line, never one of these. */
export function stackLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /^\s+at\s/.test(l) || /^(Type|Reference)Error\b/.test(l) || /node:internal/.test(l));
}

/** The lines a command printed as its error (`webscale-rl: …`). */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("webscale-rl: "));
}
