/** LINE's limits: a text message holds 5,000 UTF-16 code units; a reply or push carries 5 messages. */
export const LINE_TEXT_LIMIT = 5000;
export const LINE_MESSAGES_PER_REQUEST = 5;

const sentences = new Intl.Segmenter("zh-TW", { granularity: "sentence" });
const graphemes = new Intl.Segmenter("zh-TW", { granularity: "grapheme" });

/** A sentence too long for one message is cut between graphemes, so no emoji or surrogate pair is torn. */
function* hardCut(sentence: string, limit: number): Generator<string> {
  let current = "";
  for (const { segment } of graphemes.segment(sentence)) {
    if (current.length + segment.length > limit) {
      yield current;
      current = "";
    }
    current += segment;
  }
  if (current) yield current;
}

function* pieces(text: string, limit: number): Generator<string> {
  for (const { segment } of sentences.segment(text)) {
    if (segment.length <= limit) yield segment;
    else yield* hardCut(segment, limit);
  }
}

/**
 * Plain text as LINE text messages of at most `limit` UTF-16 units (JavaScript's `length`), each
 * filled with whole sentences (。！？ and Western punctuation, via ICU) so no sentence is split.
 */
export function splitText(text: string, limit = LINE_TEXT_LIMIT): string[] {
  const chunks: string[] = [];
  let current = "";
  const flush = () => {
    const trimmed = current.trim();
    if (trimmed) chunks.push(trimmed);
    current = "";
  };
  for (const piece of pieces(text.trim(), limit)) {
    if (current.length + piece.length > limit) flush();
    current += piece;
  }
  flush();
  return chunks;
}

/** Messages grouped as LINE takes them: at most five per request. */
export function batches<T>(items: T[], size = LINE_MESSAGES_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
