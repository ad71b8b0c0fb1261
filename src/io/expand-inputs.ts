/**
 * Turns the input arguments of a run (paths, globs, directories, and hf://, s3://,
 * https:// URLs) into the list of files to read, in a deterministic order. Anything that
 * would make the run read nothing or the wrong thing is a configuration error, thrown
 * before any work. Remote files come with their identity (size, ETag, version) as listed.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import { SUPPORTED_FORMATS, SUPPORTED_SUFFIXES, formatOf } from "./sources/formats.js";
import { isRemote } from "./remote/location.js";
import { RemoteIO } from "./remote/remote-io.js";
import type { InputSpec } from "./sources/index.js";

export async function expandInputs(patterns: string[], io?: RemoteIO): Promise<string[]> {
  return (await expandInputSpecs(patterns, io)).map((s) => s.path);
}

/** The files to read; a remote file's spec carries its `pin` (the identity it will be read at). */
export async function expandInputSpecs(patterns: string[], io?: RemoteIO): Promise<InputSpec[]> {
  const seen = new Set<string>();
  const files: InputSpec[] = [];
  for (const pattern of patterns) {
    let found: InputSpec[];
    if (isRemote(pattern)) {
      io ??= new RemoteIO();
      // https:// keeps its full URL (a presigned query) as the path to read; hf:// and s3:// their canonical URL.
      found = (await io.expand(pattern)).map((obj) => ({ path: obj.href ?? obj.url, pin: obj }));
    } else found = (await expandOne(pattern)).map((path) => ({ path }));
    for (const spec of found) {
      if (!seen.has(spec.path)) {
        seen.add(spec.path);
        files.push(spec);
      }
    }
  }
  return files;
}

async function expandOne(pattern: string): Promise<string[]> {
  const info = await stat(pattern).catch(() => undefined);
  if (info?.isFile()) {
    if (!formatOf(pattern)) throw new Error(`unsupported input file '${pattern}': supported formats are ${SUPPORTED_FORMATS}`);
    return [pattern];
  }
  if (info?.isDirectory()) {
    const found = await glob(SUPPORTED_SUFFIXES.map((s) => "**/*" + s), { cwd: pattern, onlyFiles: true, caseSensitiveMatch: false });
    const files = sortPaths(found.map((f) => join(pattern, f)));
    if (files.length === 0) throw new Error(`no input files found in directory '${pattern}': supported formats are ${SUPPORTED_FORMATS}`);
    return files;
  }
  if (!isDynamicPattern(pattern)) throw new Error(`no input files match '${pattern}': the file does not exist`);
  const matched = await glob(pattern, { onlyFiles: true, absolute: isAbsolute(pattern), expandDirectories: false });
  // Files of other kinds next to the corpus (README, checksums) are left out of a glob's matches.
  const files = sortPaths(matched.filter((f) => formatOf(f) !== undefined));
  if (files.length === 0) {
    const extra = matched.length > 0 ? ` (${matched.length} file(s) match, none in a supported format: ${SUPPORTED_FORMATS})` : "";
    throw new Error(`no input files match '${pattern}'${extra}`);
  }
  return files;
}

/** Code-unit order, not locale order, so the same inputs give the same order everywhere. */
function sortPaths(paths: string[]): string[] {
  return paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
