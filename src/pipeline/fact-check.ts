// The check lives in ./fact-check/ (one module per token class); this is its stable entry point.
export { checkAnswer, describeFailures, findDates, findTokens, type CheckOptions, type CheckVerdict, type Failure, type FailureKind } from "./fact-check/check.js";
export type { FirmContacts } from "./fact-check/grounding.js";
export type { Token, TokenKind } from "./fact-check/tokens.js";
export { TOKEN_KINDS } from "./fact-check/tokens.js";
