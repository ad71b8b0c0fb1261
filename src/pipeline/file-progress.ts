/**
 * Which source files are done. A done file is named in the checkpoint (`filesDone`, with its
 * record count) and skipped whole on resume, so the rule is strict: the file was read to its
 * end without a read error, and every unit read from it was recorded (none failed on the
 * model server, none was abandoned at a stop). A file that broke part-way (a truncated .gz)
 * stays unfinished: the next run reads it again, skips what its ledger holds, and continues.
 */
export class FileProgress {
  private readonly open = new Map<string, { records: number; outstanding: number; ended: boolean; unfinished: boolean }>();
  /** Files done, in earlier sessions and in this one, with their source-record counts. */
  readonly done: Record<string, number>;

  constructor(prevDone: Record<string, number> = {}) {
    this.done = { ...prevDone };
  }

  /** Source records of files done in earlier sessions (they count toward --limit). */
  get recordsDoneBefore(): number {
    return Object.values(this.done).reduce((a, b) => a + b, 0);
  }

  private state(file: string) {
    let s = this.open.get(file);
    if (!s) this.open.set(file, (s = { records: 0, outstanding: 0, ended: false, unfinished: false }));
    return s;
  }

  /** A source record was read from the file. */
  record(file: string): void {
    this.state(file).records++;
  }

  /** A unit of the file is on its way to be recorded. */
  issue(file: string): void {
    this.state(file).outstanding++;
  }

  /** A unit of the file was recorded (`recorded`), or failed / was abandoned (left for the next run). */
  settle(file: string, recorded: boolean): void {
    const s = this.state(file);
    s.outstanding--;
    if (!recorded) s.unfinished = true;
    this.check(file);
  }

  /** The reader left the file: at its end (`fullyRead`), or because of a read error or a stop. */
  end(file: string, fullyRead: boolean): void {
    const s = this.state(file);
    s.ended = true;
    if (!fullyRead) s.unfinished = true;
    this.check(file);
  }

  private check(file: string): void {
    const s = this.open.get(file)!;
    if (s.ended && s.outstanding === 0) {
      if (!s.unfinished) this.done[file] = s.records;
      this.open.delete(file);
    }
  }
}
