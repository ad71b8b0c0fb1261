/**
 * Child processes a test file started (CLI runs, workers, redis-server) that are still alive
 * when its tests are over are killed then. A test that fails or times out skips its own
 * cleanup; a stray queue worker or redis-server would otherwise run on, keep the test file's
 * process from exiting, and load the machine for every later test.
 */
import { after } from "node:test";
import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();

const killAll = () => {
  for (const c of live) c.kill("SIGKILL");
  live.clear();
};
after(killAll);
process.on("exit", killAll);

export function track<C extends ChildProcess>(child: C): C {
  live.add(child);
  child.on("exit", () => live.delete(child));
  return child;
}
