/**
 * How tests start the `webscale-rl` command. `npm test` (scripts/test.sh) builds the project
 * first and names the build in WEBSCALE_RL_TEST_CLI: plain JavaScript starts in about half the
 * time tsx needs, which matters over the suite's hundreds of processes on a loaded machine.
 * A test file run on its own, without that variable, runs the sources through tsx, so it
 * never tests a stale build.
 */
import { join, resolve } from "node:path";

const REPO_ROOT = resolve(import.meta.dirname, "../..");

/** Node's arguments for `webscale-rl <args…>`: spawn(process.execPath, cliArgv(args)). */
export function cliArgv(args: string[]): string[] {
  const built = process.env.WEBSCALE_RL_TEST_CLI;
  return built ? [resolve(REPO_ROOT, built), ...args] : ["--import", "tsx", join(REPO_ROOT, "src/cli/main.ts"), ...args];
}
