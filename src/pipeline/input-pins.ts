/**
 * The identity of each remote input file, as this run first listed it, kept in
 * `state/inputs-<tag>.json` so that a resumed run reads the same bytes: a file is its URL
 * plus ETag (and, on the Hub, the commit it was read at). At the start of each session the
 * current listing is compared with the pins:
 * - same ETag: read as pinned;
 * - changed, but the pinned bytes can still be read (a Hub file: its old commit): read as pinned;
 * - changed before any of it was processed: pinned anew and read;
 * - changed after part of it was processed: not read; one `input.changed_file` rejection
 *   says so, and the documents already taken from it stay. Never a mix of two versions.
 * Written before any document is read, so a kill at any moment leaves the pins of every
 * file that has processed units.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { InputSpec } from "../io/sources/index.js";
import type { RemoteObject } from "../io/remote/store.js";
import { fnv1a32 } from "../util/hash.js";
import { writeJsonAtomic } from "./checkpoint.js";

type Pins = Record<string, Omit<RemoteObject, "href">>;

export function pinsFile(stateDir: string, tag: string): string {
  return join(stateDir, `inputs-${tag}.json`);
}

/** True when the ledger holds a finished unit of this file (keys start with the file's hash, see units.ts). */
function touched(url: string, finished: ReadonlySet<string>): boolean {
  const prefix = `${fnv1a32(url).toString(36)}:`;
  for (const key of finished) if (key.startsWith(prefix) || key.startsWith(`bad:${prefix}`)) return true;
  return false;
}

export function pinRemoteInputs(
  stateDir: string,
  tag: string,
  specs: InputSpec[],
  finished: ReadonlySet<string>,
  filesDone: Record<string, number>,
  log: (msg: string) => void,
): InputSpec[] {
  const path = pinsFile(stateDir, tag);
  const pins: Pins = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Pins) : {};
  const out: InputSpec[] = [];
  const listed = new Set<string>();
  for (const spec of specs) {
    if (!spec.pin) {
      out.push(spec);
      continue;
    }
    const { href, ...now } = spec.pin;
    const url = now.url;
    listed.add(url);
    const old = pins[url];
    if (!old || old.etag === now.etag) {
      pins[url] = old ?? now;
      out.push({ ...spec, pin: { ...(old ?? now), href } });
    } else if (old.version && url.startsWith("hf://")) {
      out.push({ ...spec, pin: { ...old, href } });
    } else if (!touched(url, finished)) {
      log(`${url} changed since the last session (ETag ${old.etag} → ${now.etag}) before any of it was processed: reading the new version.`);
      pins[url] = now;
      out.push(spec);
    } else {
      const why = `${url} changed after this run had processed part of it (ETag ${old.etag} → ${now.etag}): the rest is not read, so two versions are never mixed; the documents already taken from it stay. Use a new --out to process the new version.`;
      if (!(url in filesDone)) log(`Not reading ${why}`);
      out.push({ ...spec, changed: why });
    }
  }
  // A file processed in part that the listing no longer shows: finish it at its pin (or fail with its location).
  for (const [url, pin] of Object.entries(pins)) {
    if (listed.has(url) || url in filesDone || !touched(url, finished)) continue;
    log(`${url} is no longer listed by the inputs; finishing the part of it not yet processed, as pinned.`);
    out.push({ path: url, pin });
  }
  writeJsonAtomic(path, pins);
  return out;
}
