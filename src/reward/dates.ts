/**
 * The date rule: parses an answer written as a date (ISO, "March 5, 1990", "5 March 1990",
 * "05/03/1990", "March 1990", "in 1990") into candidate (year, month?, day?) readings.
 * "05/03/1990" is ambiguous: when both parts are ≤ 12 it yields both the day-first and the
 * month-first reading, and two dates match if any readings agree.
 */
import { foldText } from "./normalize.js";
import type { Decision } from "./numbers.js";

export interface DateParts {
  y: number;
  m?: number;
  d?: number;
}

const MONTHS: Record<string, number> = {
  january: 1, jan: 1, february: 2, feb: 2, march: 3, mar: 3, april: 4, apr: 4, may: 5, june: 6, jun: 6,
  july: 7, jul: 7, august: 8, aug: 8, september: 9, sep: 9, sept: 9, october: 10, oct: 10,
  november: 11, nov: 11, december: 12, dec: 12,
};
const MONTH = "(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\\.?";
const DAY = "(\\d{1,2})(?:st|nd|rd|th)?";
const YEAR = "(\\d{3,4})";
const ERA = "(?:\\s*(?:ad|ce|a\\.d\\.|c\\.e\\.))?";
const LEAD = /^(?:on|in|the|circa|c\.|around|about|year|of)\s+/;

const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => DateParts[]]> = [
  [new RegExp(`^${YEAR}-(\\d{1,2})-(\\d{1,2})(?:t[\\d:.]+z?)?$`), (m) => [ymd(m[1], m[2], m[3])]],
  [new RegExp(`^${YEAR}/(\\d{1,2})/(\\d{1,2})$`), (m) => [ymd(m[1], m[2], m[3])]],
  [new RegExp(`^${YEAR}-(\\d{1,2})$`), (m) => [{ y: +m[1], m: +m[2] }]],
  [new RegExp(`^${MONTH}\\s+${DAY},?\\s+${YEAR}${ERA}$`), (m) => [ymd(m[3], MONTHS[m[1]], m[2])]],
  [new RegExp(`^${DAY}\\s+(?:of\\s+)?${MONTH},?\\s+${YEAR}${ERA}$`), (m) => [ymd(m[3], MONTHS[m[2]], m[1])]],
  [new RegExp(`^${MONTH},?\\s+(?:of\\s+)?${YEAR}${ERA}$`), (m) => [{ y: +m[2], m: MONTHS[m[1]] }]],
  [new RegExp(`^${YEAR}${ERA}$`), (m) => [{ y: +m[1] }]],
  [
    /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$/,
    (m) => {
      const a = +m[1];
      const b = +m[2];
      const readings: DateParts[] = [];
      if (b <= 12) readings.push(ymd(m[3], b, a)); // day first (most of the world)
      if (a <= 12 && a !== b) readings.push(ymd(m[3], a, b)); // month first (US)
      return readings;
    },
  ],
];

function ymd(y: string | number, m: string | number, d: string | number): DateParts {
  return { y: +y, m: +m, d: +d };
}

function valid(p: DateParts): boolean {
  if (p.m !== undefined && (p.m < 1 || p.m > 12)) return false;
  if (p.d !== undefined && (p.d < 1 || p.d > 31)) return false;
  return p.y > 0;
}

/** All readings of `s` as a date, or [] when it is not (only) a date. */
export function parseDate(input: string): DateParts[] {
  let s = foldText(input).replace(/\s+/g, " ").trim().replace(/[.,]$/, "");
  if (s.length > 40) return [];
  while (LEAD.test(s)) s = s.replace(LEAD, "");
  for (const [re, build] of PATTERNS) {
    const m = re.exec(s);
    if (m) return build(m).filter(valid);
  }
  return [];
}

function compareOne(truth: DateParts, resp: DateParts): Decision {
  if (truth.y !== resp.y) return "mismatch";
  for (const k of ["m", "d"] as const) {
    const t = truth[k];
    const r = resp[k];
    if (t !== undefined && r !== undefined && t !== r) return "mismatch";
  }
  // The response is at least as precise as the truth: a full date answers "which year".
  if ((truth.m === undefined || resp.m !== undefined) && (truth.d === undefined || resp.d !== undefined)) return "match";
  // Less precise than the truth ("1990" for "March 5, 1990"): whether that suffices depends on the question.
  return "undecided";
}

export function compareDates(truth: DateParts[], resp: DateParts[]): Decision {
  let best: Decision = "mismatch";
  for (const t of truth)
    for (const r of resp) {
      const d = compareOne(t, r);
      if (d === "match") return "match";
      if (d === "undecided") best = "undecided";
    }
  return best;
}
