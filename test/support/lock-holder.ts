/**
 * Another process holding an output lock (test/support/hold-lock.ts as a child): what a
 * second writer meets, and what SIGKILL leaves behind.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import assert from "node:assert/strict";
import { REPO_ROOT } from "./pipeline-harness.js";
import { track } from "./children.js";
import { until } from "./cli.js";

export function holder(dir: string, name: string, mode?: string) {
  const child = track(spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "test/support/hold-lock.ts"), dir, name, ...(mode ? [mode] : [])], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] }));
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  return { child, exited, out: () => out };
}

/** A holder that has taken the lock (it said so). */
export async function heldBy(dir: string, name: string) {
  const h = holder(dir, name);
  await until(() => {
    if (h.child.exitCode !== null) assert.fail("the lock holder exited first");
    return h.out().includes("held");
  }, `a process to hold ${name}`);
  return h;
}
