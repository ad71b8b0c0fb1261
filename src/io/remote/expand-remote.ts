/**
 * What a remote input argument names, with the same rules as local paths: a file, a folder
 * (every supported file below it) or a glob (its matches in a supported format), sorted.
 * One implementation for every store that can list; https:// names single files only.
 */
import picomatch from "picomatch";
import { ConfigError } from "../../config/load.js";
import { SUPPORTED_FORMATS, formatOf } from "../sources/formats.js";
import type { RemoteLocation } from "./location.js";
import { globPrefix, sortObjects, type RemoteObject, type RemoteStore } from "./store.js";

export async function expandRemote(store: RemoteStore, loc: RemoteLocation): Promise<RemoteObject[]> {
  const supported = (path: string) => formatOf(path) !== undefined;
  if (loc.scheme === "https" || !store.list) {
    const obj = await store.stat(loc, "");
    if (!obj) throw new ConfigError(`no input files match '${loc.url}': the file does not exist`);
    if (!supported(new URL(obj.url).pathname)) throw new ConfigError(`unsupported input file '${obj.url}': supported formats are ${SUPPORTED_FORMATS}`);
    return [obj];
  }
  const pattern = loc.scheme === "s3" ? loc.key : loc.path;
  const { prefix, isGlob } = globPrefix(pattern);
  if (isGlob) {
    // List from the last folder before the first glob character; match whole paths.
    const folder = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    const match = picomatch(pattern, { dot: false });
    const listed = await store.list(loc, folder);
    const matched = listed.filter((l) => match(l.path));
    const files = matched.filter((l) => supported(l.path));
    if (files.length === 0) {
      const extra = matched.length > 0 ? ` (${matched.length} file(s) match, none in a supported format: ${SUPPORTED_FORMATS})` : "";
      throw new ConfigError(`no input files match '${loc.url}'${extra}`);
    }
    return sortObjects(files.map((l) => l.obj));
  }
  if (pattern !== "" && !pattern.endsWith("/")) {
    const obj = await store.stat(loc, pattern);
    if (obj) {
      if (!supported(pattern)) throw new ConfigError(`unsupported input file '${obj.url}': supported formats are ${SUPPORTED_FORMATS}`);
      return [obj];
    }
  }
  // A folder: every supported file below it, hidden files (a part starting with '.') left out.
  const folder = pattern === "" || pattern.endsWith("/") ? pattern : pattern + "/";
  const files = (await store.list(loc, folder)).filter((l) => supported(l.path) && !l.path.split("/").some((p) => p.startsWith(".")));
  if (files.length === 0) throw new ConfigError(`no input files match '${loc.url}': no such file, and no file in a supported format below it (${SUPPORTED_FORMATS})`);
  return sortObjects(files.map((l) => l.obj));
}
