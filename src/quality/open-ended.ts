/**
 * Questions that ask for one of many right answers: "Name a prime greater than 10", "What is
 * one benefit of exercise?", "Which is a popular dish in Lyon?", "How can a traveller save
 * money?". The definition asks for exactly one short answer; a reward that holds one answer
 * would mark every other right one wrong. Only the explicit wordings are a rule's to see;
 * "Which country borders France?" also has several answers and is the verifier's call.
 */
export interface OpenEnded {
  code: "many_answers";
  detail: string;
}

const KINDS =
  "examples?|reasons?|benefits?|ways?|factors?|causes?|advantages?|disadvantages?|uses?|types?|kinds?|symptoms?|features?|methods?|tips?|strategies|strategy|risks?|signs?|sources?|applications?|consequences?|effects?|challenges?|propert(?:y|ies)|characteristics?|steps?|options?|ideas?|activities|activity|dishes|dish|places?|things?|items?|foods?|tools?|techniques?|habits?|measures?|alternatives?|possibilities|possibility|approaches|approach|factors?|drawbacks?|limitations?|solutions?|destinations?|attractions?|sights?|members?|synonyms?";
const ADJ = "(?:common|popular|famous|well-known|notable|typical|good|great|major|key|important|possible|potential|frequent|simple|useful|main|significant|specific|healthy|cheap|easy)";

const RULES: RegExp[] = [
  // "Name a …", "Give an example of …", "List two …", "Suggest one …".
  new RegExp(`^(?:[^?]*[.;:]\\s+)?(?:name|give|list|mention|suggest|cite|provide|identify|describe|state)\\s+(?:a|an|one|any|some|two|three|four|five|several|at\\s+least\\s+\\w+|an\\s+example|examples)\\b`, "iu"),
  // "What is one benefit of …", "What are some ways to …", "Which is a popular dish …", "What is a common symptom …".
  new RegExp(`\\b(?:what|which)\\s+(?:is|was|are|were|would\\s+be|could\\s+be|might\\s+be)\\s+(?:one|some|a|an|any)\\s+(?:(?:${ADJ}|[a-z]+)\\s+)?(?:${KINDS})\\b`, "iu"),
  new RegExp(`\\b(?:what|which|who)\\s+(?:is|was|are|were)\\s+(?:a|an|some)\\s+${ADJ}\\b`, "iu"),
  // "Who was one of the founders …", "name one of the …".
  /\b(?:is|was|are|were|name|give|as)\s+one\s+of\s+the\b(?!\s+(?:two|three|four|five|\d))/iu,
  // "for example", "such as" asking for instances: "What is an example of …".
  new RegExp(`\\b(?:an?|one)\\s+(?:${ADJ}\\s+)?example\\s+of\\b`, "iu"),
  // "How can a traveller …", "How could the firm …", "How should one …": a method, open-ended.
  /\bhow\s+(?:can|could|should|might|may)\s+(?:i|you|we|one|they|someone|people|a|an|the|he|she|students?|travell?ers?|patients?|businesses|companies|users?|developers?|teachers?|parents?|consumers?|investors?|readers?)\b/iu,
  // "What might …", "What are the benefits …" (plural, open list without a count).
  /\bwhat\s+might\b/iu,
  new RegExp(`\\bwhat\\s+are\\s+(?:the|some)\\s+(?:${ADJ}\\s+)?(?:benefits|advantages|disadvantages|risks|causes|effects|reasons|ways|tips|strategies|factors|symptoms|signs|uses|challenges|consequences|drawbacks|limitations)\\b`, "iu"),
];

/** Every rule needs one of these; most questions have none and skip the rules. */
const GATE = /\b(?:name|give|list|mention|suggest|cite|provide|identify|describe|state|example|might)\b|\b(?:is|was|are|were|be)\s+(?:one|some|an?|any|the)\b|\bone\s+of\b|\bhow\s+(?:can|could|should|may)\b/iu;

export function findOpenEnded(question: string): OpenEnded | null {
  if (!GATE.test(question)) return null;
  for (const re of RULES) {
    const m = re.exec(question);
    if (m) return { code: "many_answers", detail: `question has many right answers: "${m[0].trim()}"` };
  }
  return null;
}
