/**
 * A wrong --text-field looks like a corpus of bad records: every one rejected as
 * `input.missing_text`, and a run that "succeeds" with nothing. When the first records of an
 * input all lack the field, the run stops instead and names the fields the records do have.
 *
 * The rule, per input file: no record so far had the text field and TEXT_FIELD_SAMPLE records
 * lacked it; or, before any document of the run was seen, a whole (shorter) file lacked it.
 * The reader holds back a file's leading bad records while the question is open, so a stopped
 * run records none of them (and a rerun with the right field finds nothing in the way).
 */
import { ConfigError } from "../config/load.js";
import { readSources, type SourceItem, type SourceOptions } from "../io/sources/index.js";

export const TEXT_FIELD_SAMPLE = 20;

export class TextFieldError extends ConfigError {}

export class TextFieldWatch {
  private file: string | undefined;
  private missing = 0;
  private settled = false;
  private fields = new Map<string, number>();
  private docsInRun = 0;

  constructor(
    readonly textField: string,
    readonly sample = TEXT_FIELD_SAMPLE,
  ) {}

  /**
   * Sees the next item; "hold" while the item might still be evidence of a wrong field (the
   * caller keeps it back), "pass" once the file has shown a document. Throws TextFieldError
   * when the field is proven wrong.
   */
  see(item: SourceItem): "hold" | "pass" {
    const file = item.kind === "doc" ? item.doc.source.file : item.rejection.source.file;
    if (file !== this.file) this.startFile(file);
    if (item.kind === "doc") {
      this.docsInRun++;
      this.settled = true;
      return "pass";
    }
    if (this.settled) return "pass";
    if (item.rejection.reason === "input.missing_text") {
      this.missing++;
      for (const f of (item.rejection.data?.fields as string[] | undefined) ?? []) this.fields.set(f, (this.fields.get(f) ?? 0) + 1);
      if (this.missing >= this.sample) throw this.error(`none of its first ${this.missing} records has`);
    }
    return "hold";
  }

  /** The reader left the file at its end: a file that never had the field, before any document of the run, proves it wrong too. */
  endFile(): void {
    if (!this.settled && this.missing > 0 && this.docsInRun === 0) throw this.error(`none of its ${this.missing} records has`);
  }

  private startFile(file: string): void {
    this.file = file;
    this.missing = 0;
    this.settled = false;
    this.fields.clear();
  }

  private error(what: string): TextFieldError {
    const seen = [...this.fields.entries()].sort((a, b) => b[1] - a[1]).map(([f]) => f);
    const list = seen.length ? seen.slice(0, 20).join(", ") : "none (the records are empty objects)";
    return new TextFieldError(`input ${this.file}: ${what} the text field "${this.textField}"; its records have the fields: ${list}: pass --text-field with the one that holds the text`);
  }
}

/** Before any work: the first input's first records, through the same rule. */
export async function checkTextField(file: string, opts: SourceOptions, sample = TEXT_FIELD_SAMPLE): Promise<void> {
  const watch = new TextFieldWatch(opts.textField, sample);
  let seen = 0;
  for await (const item of readSources([file], opts)) {
    if (watch.see(item) === "pass") return;
    // Far more bad lines than the sample and still no verdict: leave it to the run's own count.
    if (++seen > sample * 50) return;
  }
  watch.endFile();
}
