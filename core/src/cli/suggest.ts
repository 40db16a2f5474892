// "did you mean …?" for a mistyped word: the candidates nearest by edit distance (adjacent swaps count
// as one edit, as typos do), only when they are close enough to be a likely typo.

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/**
 * The candidates nearest to `word` (ties all returned, in the candidates' order): at most 3 edits away
 * and sharing more than 40% of the longer word, so "gadgets" suggests nothing and "srvice" suggests
 * "service". Compared without case.
 */
export function suggest(word: string, candidates: readonly string[]): string[] {
  const w = word.toLowerCase();
  let best = 3; // the most edits a typo is taken to be
  let found: string[] = [];
  for (const c of new Set(candidates)) {
    if (c.length < 2) continue;
    const dist = editDistance(w, c.toLowerCase());
    const len = Math.max(w.length, c.length);
    if ((len - dist) / len <= 0.4 || dist > best) continue;
    if (dist < best) {
      best = dist;
      found = [c];
    } else found.push(c);
  }
  return found;
}

/** ': did you mean "x"?' / ': did you mean one of "x", "y"?', or '' when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const s = suggest(word, candidates);
  if (!s.length) return '';
  const quoted = s.map((x) => `"${x}"`);
  return s.length === 1 ? `: did you mean ${quoted[0]}?` : `: did you mean one of ${quoted.join(', ')}?`;
}
