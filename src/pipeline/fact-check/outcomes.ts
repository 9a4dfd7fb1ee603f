import { findAll, type Extractor } from "./tokens.js";

/** Words that state how a matter ended, by the outcome they state (`和解` and `settled` are one). */
const OUTCOMES: [string, RegExp][] = [
  ["won", /勝訴|胜诉|贏|赢|\bwon(?!['’]t)\b|\b(?:win|wins|winning|prevailed)\b|in your favou?r/gi],
  ["lost", /敗訴|败诉|打輸|打输|輸了|会输|會輸|\b(?:lost|lose|loses|losing)\b/gi],
  ["settled", /和解|調解成立|调解成立|成立調解|成立调解|\b(?:settled|settle|settles|settlement)\b/gi],
  ["dismissed", /駁回|驳回|\b(?:dismissed|dismissal)\b/gi],
  ["judgment", /判決|判决|\b(?:judgment|judgement|verdict|ruled|ruling)\b/gi],
  ["acquitted", /無罪|无罪|不起訴|不起诉|\b(?:acquitted|acquittal|not\s+prosecuted)\b/gi],
  ["withdrawn", /撤回起訴|撤回告訴|撤告|撤訴|\b(?:withdrawn|withdrew)\b/gi],
  ["convicted", /有罪|\b(?:convicted|conviction|guilty)\b/gi],
];

/** Outcome words: grounded only when the matter's client-visible facts state the same outcome. */
export const outcomes: Extractor = {
  kind: "outcome",
  find: (text) => OUTCOMES.flatMap(([outcome, re]) => findAll(text, re, () => [outcome])),
};
