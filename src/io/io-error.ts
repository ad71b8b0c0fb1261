/**
 * A failed write (disk full, quota, permissions, a dying disk) as one line that names the
 * file and says what to do, instead of a raw `ENOSPC` stack trace. Writers wrap their file
 * operations with `asOutputError(err, path)`; the command's top level prints the message.
 */

export class OutputError extends Error {
  constructor(
    message: string,
    readonly path: string | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "OutputError";
  }
}

const ADVICE: Record<string, (where: string) => string> = {
  ENOSPC: (w) => `disk full ${w}: free space and rerun the same command`,
  EDQUOT: (w) => `disk quota exceeded ${w}: free space (or raise the quota) and rerun the same command`,
  EFBIG: (w) => `file too large for the file system ${w}: choose another --out (or smaller --part-records) and rerun`,
  EACCES: (w) => `permission denied ${w}: make it writable or choose another --out`,
  EPERM: (w) => `operation not permitted ${w}: make it writable or choose another --out`,
  EROFS: (w) => `read-only file system ${w}: choose a writable --out`,
  EIO: (w) => `I/O error ${w}: check the disk or the mount, then rerun the same command`,
  EMFILE: (w) => `too many open files ${w}: raise the limit (ulimit -n) and rerun the same command`,
  ENFILE: (w) => `too many open files on the system ${w}: close some and rerun the same command`,
};

/** True for errors of the file system (they carry an errno code such as ENOSPC). */
export function isFileSystemError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) && typeof (err as NodeJS.ErrnoException).syscall === "string";
}

/**
 * `err` as an OutputError naming `path` when it is a file-system error; other errors (and
 * errors already described) pass through unchanged.
 */
export function asOutputError(err: unknown, path?: string, action = "writing"): unknown {
  if (err instanceof OutputError || !isFileSystemError(err)) return err;
  const file = path ?? err.path;
  const where = file ? `${action} ${file}` : action;
  const advice = ADVICE[err.code!];
  const message = advice ? advice(where) : `${err.code} ${where}: ${err.message.split("\n")[0]}`;
  return new OutputError(message, file, err.code);
}

/** Runs a file operation, rethrowing its failure as an OutputError naming `path`. */
export function writingTo<T>(path: string, op: () => T): T {
  try {
    return op();
  } catch (err) {
    throw asOutputError(err, path);
  }
}
