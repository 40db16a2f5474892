// JSON.parse of deeply nested text is slow (8 MB of "[" takes seconds of one thread) and a parsed deep value
// costs every recursive walk after it. Request bodies are checked here first: one linear pass over the raw
// bytes, counting "[" and "{" outside strings, that stops as soon as the limit is passed.

/** How deep a request body may nest; manifests need about 10 levels. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether UTF-8 JSON text nests arrays and objects deeper than `max`. Works on bytes: the characters it looks
 * at are ASCII, which never occur inside a multi-byte UTF-8 sequence. Malformed text is left to JSON.parse.
 */
export function exceedsJsonDepth(bytes: Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && depth > 0) depth--; // stray closers cannot hide depth
  }
  return false;
}

/** The message bodies that nest too deep are refused with (a 400). */
export const depthMessage = (max: number = MAX_JSON_DEPTH): string => `request body: JSON nested deeper than ${max} levels`;
