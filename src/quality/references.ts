/**
 * References to material the reader never saw: the question points at a document ("the
 * passage", "this study"), at people or findings only the document knows ("the tutors
 * described", "based on these findings"), or at news with no name ("in a recent study", "in
 * recent industry news"). By the definition of answerable (answerable.ts) nothing in a
 * question may refer to unseen material.
 *
 * Each pattern names the defect, not a wording: a reference needs a pointing word (this,
 * these, the above, given, recent …) or an actor or finding that only the document has.
 * Not references: named things ("the Brundtland report", "the periodic table", "the text of
 * the First Amendment", "the Document Object Model": a capitalised noun is a name); a noun
 * the question itself introduced earlier ("A 2019 survey of 300 nurses found …; in the
 * survey, …"); generic words like "these results" after a setup that states its figures;
 * and a pointer to what follows a colon ("What does this function return: def f(x): …").
 */
import { countWords, plainWordSet, root, rootSet } from "./text.js";

export interface Reference {
  code: "context_reference";
  detail: string;
}

/** Nouns for the material itself. Lower-case only: "the Document Object Model" is a name. */
const MATERIAL =
  "text|passage|article|document|excerpt|paragraph|snippet|extract|story|essay|report|reading|context|source|study|survey|paper|review|post|blog|thread|interview|lecture|talk|video|podcast|transcript|table|figure|chart|graph|diagram|materials?|notes|memo|e-?mail|letter|newsletter|announcement|press release|case study|case|scenario|example|page|website|guide|tutorial|course|module|lesson|recipe|itinerary|brochure|listing|manual|documentation|code|function|program|programme|script|dataset|data|findings|results|research|experiment|trial|analysis|summary|discussion|conversation|dialogue|news|update|statement|policy|plan|proposal|project|initiative|description|account|section|chapter|book|information|details|figures|numbers|statistics|observations|measurements|samples?|cohort|participants|respondents|method|approach|strategy|framework|model|system|tool|product|device|app|service|company|organi[sz]ation|team|course|class|session|workshop|event|trip|tour|route|campaign|programme";
/** People and bodies that exist only in the material. */
const ACTOR =
  "authors?|writers?|narrators?|speakers?|researchers?|scientists|investigators|team|tutors?|teachers|instructors|students|participants|respondents|interviewees?|interviewers?|editors?|reviewers?|engineers|developers|doctors|clinicians|nurses|experts|analysts|officials|staff|organi[sz]ers|company|firm|startup|hospital|school|university|brand|store|shop|restaurant|hotel|agency|clinic|bloggers?|host|presenters?|chef|coach|users?|hikers|travell?ers|visitors|guests|volunteers|customers|patients|employees|workers|managers|owners?|founders?|farmers|residents";
/** The material as the subject of a verb ("the chart shows", "the survey found"): no qualifier, so "the periodic table shows" stays a name. */
const MATERIAL_SUBJECT =
  "study|survey|report|article|paper|data|results|findings|experiment|trial|analysis|video|post|review|guide|document|passage|text|chart|table|graph|figure|diagram|map|list|excerpt|interview|lecture|podcast|transcript|recipe|itinerary|brochure|newsletter|memo|email|letter|website|page|code|function|program|script|snippet";
const REPORTING =
  "describ(?:e|es|ed)|f(?:ind|inds|ound)|report(?:s|ed)?|observ(?:e|es|ed)|not(?:e|es|ed)|argu(?:e|es|ed)|claim(?:s|ed)?|sa(?:y|ys|id)|mention(?:s|ed)?|recommend(?:s|ed)?|suggest(?:s|ed)?|conclud(?:e|es|ed)|measur(?:e|es|ed)|stat(?:e|es|ed)|discuss(?:es|ed)?|explain(?:s|ed)?|propos(?:e|es|ed)|estimat(?:e|es|ed)|highlight(?:s|ed)?|identif(?:y|ies|ied)|cit(?:e|es|ed)|record(?:s|ed)?|survey(?:s|ed)|interview(?:s|ed)|us(?:e|es|ed)|ch(?:oose|ose|ooses)|test(?:s|ed)?|stud(?:y|ies|ied)|emphasi[sz](?:e|es|ed)|outlin(?:e|es|ed)|shar(?:e|es|ed)|list(?:s|ed)|advis(?:e|es|ed)|warn(?:s|ed)?|announc(?:e|es|ed)|introduc(?:e|es|ed)|launch(?:es|ed)?|offer(?:s|ed)?|quot(?:e|es|ed)|wr(?:ite|ites|ote)|believ(?:e|es|ed)|expect(?:s|ed)?|predict(?:s|ed)?|plan(?:s|ned)?|adopt(?:s|ed)?|implement(?:s|ed)?|develop(?:s|ed)?|tr(?:y|ies|ied)|visit(?:s|ed)?|rat(?:e|es|ed)|rank(?:s|ed)?|calculat(?:e|es|ed)|show(?:s|ed|n)?|reveal(?:s|ed)?|indicat(?:e|es|ed)|compar(?:e|es|ed)|focus(?:es|ed)?|examin(?:e|es|ed)|analy[sz](?:e|es|ed)|track(?:s|ed)?|follow(?:s|ed)|rais(?:e|es|ed)|hir(?:e|es|ed)|acquir(?:e|es|ed)|sell|sells|sold|open(?:s|ed)?|clos(?:e|es|ed)|invest(?:s|ed)?|sp(?:end|ends|ent)|charg(?:e|es|ed)|pa(?:y|ys|id)|earn(?:s|ed)?|los(?:e|es|t)|cut|cuts|win|wins|won|receiv(?:e|es|ed)|mak(?:e|es)|made|serv(?:e|es|ed)|giv(?:e|es)|gave|set|sets|achiev(?:e|es|ed)|reach(?:es|ed)?";

interface Rule {
  re: RegExp;
  what: string;
  /** Words the rule cannot match without (one must be in the question): most questions skip most rules. */
  gate: Set<string>;
}

/** The words an alternation of the lists above can match: "authors?" → author, authors; "organi[sz]ers" → both spellings. */
function wordsOf(alternation: string): string[] {
  const out: string[] = [];
  const expand = (w: string): string[] => {
    const opt = /^(.*?)([a-z-])\?(.*)$/u.exec(w);
    if (opt) return [...expand(opt[1] + opt[3]), ...expand(opt[1] + opt[2] + opt[3])];
    const cls = /^(.*?)\[([a-z]+)\](.*)$/u.exec(w);
    if (cls) return [...cls[2]].flatMap((c) => expand(cls[1] + c + cls[3]));
    return [w];
  };
  for (const alt of alternation.split("|")) out.push(...expand(alt).flatMap((w) => w.split(/[\s-]+/u)));
  return out;
}
const gate = (...lists: (string | string[])[]) => new Set(lists.flatMap((l) => (typeof l === "string" ? wordsOf(l) : l)));
const POINTERS = "this|these|those|our|my|above|given|following|provided|aforementioned|preceding|accompanying|attached|original|same|cited|quoted|described|mentioned|referenced|featured|included|enclosed|presented|shown|listed|linked";

export const RULES: Rule[] = [
  // "this passage", "these findings", "the above table", "the given text", "our study".
  {
    re: new RegExp(`\\b(?:[Tt]his|[Tt]hese|[Tt]hose|[Tt]he\\s+(?:above|given|following|provided|aforementioned|preceding|accompanying|attached|original|same|cited|quoted|described|mentioned|referenced|featured|included|enclosed|presented|shown|listed|linked)|[Oo]ur|[Mm]y)\\s+(?:(?!(?:the|a|an)\\s)[a-z-]+\\s+)?(?<noun>${MATERIAL})\\b(?![-\\p{L}])(?!\\s+of\\b)`, "gu"),
    what: "points at unseen material", gate: gate(POINTERS),
  },
  // "the passage", "the study", "the findings", "the author" with nothing naming them.
  {
    re: /\b[Tt]he\s+(?<noun>text|passage|article|excerpt|paragraph|snippet|document|essay|transcript|study|findings|authors?|narrator|researchers|investigators|interviewee|source text)(?!\s+(?:of|for|on|titled|called|named|entitled|by|known|editor|message|box|field|file|type|string|node|object|hall|guide|abroad|period|group|mode)\b)(?!\s*["'“‘(:])(?![-\p{L}])/gu,
    what: "refers to a document or its people without naming them", gate: gate("text|passage|article|excerpt|paragraph|snippet|document|essay|transcript|study|findings|author|authors|narrator|researchers|investigators|interviewee|source"),
  },
  // "the tutors described", "the researchers found", "the company announced", "the survey found".
  {
    re: new RegExp(`\\b(?:[Tt]he|[Tt]his|[Tt]hese|[Oo]ur)\\s+(?:(?:[\\p{L}-]+\\s+)?(?<noun>${ACTOR})|(?<noun2>${MATERIAL_SUBJECT}))\\s+(?:(?:have|has|had|did|do|does|will|would|also|then|first|later|recently|originally|[a-z]+ly)\\s+)?(?:${REPORTING})\\b`, "gu"),
    what: "cites what people of the material said or did", gate: gate(ACTOR, MATERIAL_SUBJECT),
  },
  // "according to the researchers", "as described in the report".
  {
    re: new RegExp(`\\b(?:[Aa]ccording\\s+to|[Aa]s\\s+(?:described|stated|noted|reported|mentioned|explained|suggested|recommended|found|shown|discussed|outlined)\\s+(?:by|in))\\s+(?:the|this|these|our)\\s+(?:[a-z-]+\\s+)?(?<noun>${MATERIAL}|${ACTOR})\\b(?![-\\p{L}])`, "gu"),
    what: "cites the material as its source", gate: gate(["according", "as"]),
  },
  // "in a recent study", "recent industry news", "a new survey", "the latest report".
  {
    re: /\b(?:(?:a|an|the|in|one|some)\s+(?:recent|latest|new|newly\s+published|upcoming)|recent)\s+(?:[a-z-]+\s+)?(?<noun>study|studies|survey|surveys|report|reports|paper|papers|article|articles|analysis|analyses|trial|trials|experiment|review|poll|news|announcement|update|release|investigation|research|findings|statistics|memo|guidelines|policy|regulations|press release)\b(?![-\p{L}])/giu,
    what: "cites unnamed recent news or research", gate: gate(["recent", "latest", "new", "newly", "upcoming"]),
  },
  { re: /\brecently\s+(?:published|released|reported|announced|launched|introduced|proposed|surveyed)\b/giu, what: "cites unnamed recent news or research", gate: gate(["recently"]) },
  // "based on these findings", "given these results", "from the data above".
  {
    re: /\b(?:based\s+on|given|from|using|with|in\s+light\s+of|according\s+to)\s+(?:these|those|this|that|such)\s+(?:[a-z-]+\s+)?(?<noun>findings|results|data|figures|numbers|observations|measurements|statistics|details|facts|information|trends|changes|points|factors|guidelines|recommendations|criteria|examples|cases|steps|rules|values|conditions|insights|tips|suggestions|considerations)\b/giu,
    what: "builds on findings the reader never saw", gate: gate(["these", "those", "this", "that", "such"]),
  },
  // "mentioned above", "described earlier", "the above", "see below", "as shown".
  {
    re: /\b(?:mentioned|described|stated|given|shown|listed|noted|discussed|defined|cited|referenced|outlined|presented|quoted|explained|introduced|reported|depicted|illustrated)\s+(?:above|below|earlier|previously|before|here)\b/giu,
    what: "points at something said elsewhere", gate: gate(["above", "below", "earlier", "previously", "before", "here"]),
  },
  { re: /\b(?:[Tt]he|[Ss]ee)\s+(?:above|below)\b|\bas\s+(?:shown|illustrated|depicted|listed)\b(?!\s+by\s+[A-Z])/gu, what: "points at something said elsewhere", gate: gate(["above", "below", "shown", "illustrated", "depicted", "listed"]) },
  // "in the example", "in this case", "in the scenario".
  {
    re: /\b(?:[Ii]n|[Oo]n|[Ff]rom)\s+(?:the|this|that|each|both)\s+(?<noun>example|examples|case|cases|scenario|situation|setting|experiment|trial|study|survey|story|video|episode|lecture|lesson|session|exercise|task|table|figure|chart|graph|diagram|map|photo|image|picture|list|text|passage|article|excerpt|document|transcript|recording|clip|slide|slides|handout|worksheet|screenshot|output|log|spreadsheet)\b(?!\s+of\b)(?![-\p{L}])/gu,
    what: "points at a case the reader never saw", gate: gate(["in", "on", "from"]),
  },
  // "the data above", "the table below", "the example above".
  {
    re: new RegExp(`\\b(?:[Tt]he|[Tt]his|[Tt]hese|[Tt]hose)\\s+(?:[a-z-]+\\s+)?(?<noun>${MATERIAL})\\s+(?:above|below)\\b`, "gu"),
    what: "points at something said elsewhere", gate: gate(["above", "below"]),
  },
  // "reported in the newsletter", "described in the article", "shown in the figure".
  {
    re: new RegExp(`\\b(?:[Dd]escribed|[Mm]entioned|discussed|reported|cited|quoted|shown|listed|outlined|featured|presented|given|used|recommended|included|covered|named)\\s+in\\s+(?:the|this|these|our)\\s+(?:[a-z-]+\\s+)?(?<noun>${MATERIAL})\\b(?![-\\p{L}])(?!\\s+of\\b)`, "gu"),
    what: "cites the material as its source", gate: gate("described|mentioned|discussed|reported|cited|quoted|shown|listed|outlined|featured|presented|given|used|recommended|included|covered|named"),
  },
  // "the treatment group", "the control arm": the arms of a study only the document has.
  { re: /\b(?:the|this)\s+(?<noun>(?:treatment|control|placebo|intervention|experimental|comparison|test|study)\s+(?:group|groups|arm|arms|cohort|condition|sample))\b/giu, what: "refers to a study's groups without naming the study", gate: gate(["group", "groups", "arm", "arms", "cohort", "condition", "sample"]) },
];

/** Nouns a question's own setup often stands for ("… 40% cycle. Given these figures, …"). */
const GENERIC = new Set(["findings", "results", "data", "figures", "numbers", "observations", "measurements", "statistics", "details", "facts", "information", "values", "conditions", "case", "cases", "example", "examples", "situation", "scenario", "setting", "points", "factors", "changes", "trends"]);

/** One cheap scan that every rule needs, so most questions skip the rest. */
const CUE = /th(?:is|ese|ose|at|e)\s|above|below|recent|latest|new\s|according|based|mentioned|described|shown|earlier|previously|our\s|my\s|\bas\s|\bin\s/iu;

/**
 * A match is not a reference when the question introduced its noun before it (the question
 * says what it points at), when a generic noun follows a setup that states figures, or when
 * the pointer is to what follows a colon or inline code.
 */
function introduced(question: string, m: RegExpMatchArray): boolean {
  const before = question.slice(0, m.index!);
  const after = question.slice(m.index! + m[0].length);
  if (/^[^?]*(?::\s*\S|`)/u.test(after)) return true;
  const noun = (m.groups?.noun ?? m.groups?.noun2)?.toLowerCase();
  if (!noun) return false;
  const last = noun.split(/\s+/).pop()!;
  if (rootSet(before).has(root(last))) return true;
  return GENERIC.has(last) && countWords(before) >= 8 && /\d/.test(before);
}

/** Whether one of the question's words is in the gate (the question has far fewer words than a gate). */
function opens(words: Set<string>, gate: Set<string>): boolean {
  for (const w of words) if (gate.has(w)) return true;
  return false;
}

export function findReference(question: string): Reference | null {
  if (!CUE.test(question)) return null;
  const words = plainWordSet(question);
  for (const { re, what, gate } of RULES) {
    if (!opens(words, gate)) continue;
    for (const m of question.matchAll(re)) {
      if (!introduced(question, m)) return { code: "context_reference", detail: `question ${what}: "${m[0]}"` };
    }
  }
  return null;
}
