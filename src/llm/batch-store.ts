/**
 * What the batch engine persists in a run's `state/`, so a killed run picks up its in-flight
 * batches instead of paying for them again:
 *   batches-<name>.jsonl      one event per line: a submitted batch (id, input file, its
 *                             custom_ids), later status changes, retirement. Append-only
 *                             while running; compacted to one line per live batch at start.
 *   batches-<name>/<id>.jsonl the batch's downloaded output and error lines, kept until the
 *                             batch is retired, so a resumed run reads results it already has.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface BatchRecord {
  batch_id: string;
  /** Credential-free base URL the batch was submitted to. */
  endpoint: string;
  input_file_id: string;
  custom_ids: string[];
  /** The provider's status ("validating", "in_progress", …, "completed", "failed", "expired", "cancelled"). */
  status: string;
  output_file_id?: string | null;
  error_file_id?: string | null;
  /** Output and error lines are saved in the results file. */
  downloaded?: boolean;
  submitted_at: string;
}

type BatchEvent =
  | ({ op: "submit" } & BatchRecord)
  | { op: "status"; batch_id: string; status: string; output_file_id?: string | null; error_file_id?: string | null; downloaded?: boolean }
  | { op: "retire"; batch_id: string };

export const TERMINAL_STATUSES = new Set(["completed", "failed", "expired", "cancelled"]);

export class BatchStore {
  readonly file: string;
  readonly resultsDir: string;

  constructor(stateDir: string, name = "main") {
    this.file = join(stateDir, `batches-${name}.jsonl`);
    this.resultsDir = join(stateDir, `batches-${name}`);
  }

  /**
   * The live batches, oldest first. A torn last line (kill -9 mid-append) or any other bad
   * line is skipped and reported through `onBad`; the file is then compacted.
   */
  load(onBad: (line: number, message: string) => void = () => {}): BatchRecord[] {
    mkdirSync(this.resultsDir, { recursive: true });
    const live = new Map<string, BatchRecord>();
    if (existsSync(this.file)) {
      const lines = readFileSync(this.file, "utf8").split("\n");
      lines.forEach((text, i) => {
        if (!text.trim()) return;
        let ev: BatchEvent;
        try {
          ev = JSON.parse(text) as BatchEvent;
        } catch {
          return onBad(i + 1, "not JSON (a write cut short by a kill?)");
        }
        if (ev.op === "submit" && typeof ev.batch_id === "string" && Array.isArray(ev.custom_ids)) {
          const { op: _op, ...rec } = ev;
          live.set(ev.batch_id, rec);
        } else if (ev.op === "status" && live.has(ev.batch_id)) {
          const { op: _op, ...change } = ev;
          Object.assign(live.get(ev.batch_id)!, change);
        } else if (ev.op === "retire") {
          live.delete(ev.batch_id);
        } else onBad(i + 1, "unknown event");
      });
    }
    this.compact([...live.values()]);
    return [...live.values()];
  }

  submitted(rec: BatchRecord): void {
    this.append({ op: "submit", ...rec });
  }

  statusChanged(rec: BatchRecord): void {
    this.append({
      op: "status",
      batch_id: rec.batch_id,
      status: rec.status,
      output_file_id: rec.output_file_id,
      error_file_id: rec.error_file_id,
      downloaded: rec.downloaded,
    });
  }

  retire(batchId: string): void {
    this.append({ op: "retire", batch_id: batchId });
    rmSync(this.resultsPath(batchId), { force: true });
  }

  resultsPath(batchId: string): string {
    return join(this.resultsDir, `${batchId.replace(/[^A-Za-z0-9_.-]/g, "_")}.jsonl`);
  }

  saveResults(batchId: string, text: string): void {
    const path = this.resultsPath(batchId);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }

  readResults(batchId: string): string | undefined {
    const path = this.resultsPath(batchId);
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  }

  private append(ev: BatchEvent): void {
    // Synchronous: a batch id must be on disk before anything else happens (batches are few and large).
    appendFileSync(this.file, JSON.stringify(ev) + "\n");
  }

  private compact(records: BatchRecord[]): void {
    const text = records.map((r) => JSON.stringify({ op: "submit", ...r })).join("\n");
    writeFileSync(`${this.file}.tmp`, text ? text + "\n" : "");
    renameSync(`${this.file}.tmp`, this.file);
  }
}
