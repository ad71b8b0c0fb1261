/**
 * A separate process that takes an output lock, for the lock tests:
 *   npx tsx test/support/hold-lock.ts DIR NAME [--try]
 * Prints "held" (or, with --try, "won" / "refused: <message>") on stdout. A holder keeps the
 * lock until it is killed; with --try a loser exits at once.
 */
import { acquireLock, LockHeldError } from "../../src/io/output-lock.js";

const [dir, name, mode] = process.argv.slice(2);
try {
  await acquireLock(dir!, name!, { command: "hold-lock test", heartbeatMs: 100 });
  process.stdout.write(mode === "--try" ? "won\n" : "held\n");
  setInterval(() => {}, 1 << 30);
} catch (err) {
  if (!(err instanceof LockHeldError)) throw err;
  process.stdout.write(`refused: ${err.message}\n`);
  process.exit(0);
}
