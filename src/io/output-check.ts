/**
 * Before any work: can the output go where the user asked? Checked without writing anything:
 * the directory (or its nearest existing parent, where it would be created) must be a
 * writable directory.
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../config/load.js";

/** `flag` names the option in the message, e.g. "--out". */
export function checkWritableDir(path: string, flag: string): void {
  let probe = resolve(path);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(probe).isDirectory();
    } catch {
      const parent = dirname(probe);
      if (parent === probe) break;
      probe = parent;
      continue;
    }
    if (!isDir) {
      throw new ConfigError(probe === resolve(path) ? `${flag} ${path} is a file, not a directory: choose a directory` : `${flag} ${path}: ${probe} is a file, so the directory cannot be created there: choose another path`);
    }
    try {
      accessSync(probe, constants.W_OK | constants.X_OK);
    } catch {
      throw new ConfigError(`${flag} ${path}: ${probe} is not writable: choose a directory you can write to, or fix its permissions`);
    }
    return;
  }
}

/** The same for an output file (the report): its directory must be writable, and it must not be a directory. */
export function checkWritableFile(path: string, flag: string): void {
  try {
    if (statSync(path).isDirectory()) throw new ConfigError(`${flag} ${path} is a directory: give a file name, e.g. ${path}/report.html`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
  }
  checkWritableDir(dirname(resolve(path)), flag);
}
