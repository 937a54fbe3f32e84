import { DIFF_DELETE, DIFF_INSERT, applyPatches, makeDiff, makePatches } from '@sanity/diff-match-patch';

/** The result of merging two edits of one text. */
export interface Merged {
  text: string;
  /** False when some of `mine` could not be placed in `theirs`; `text` then keeps `mine` whole. */
  clean: boolean;
}

/**
 * Three-way merge of a cell's source: `mine` and `theirs` both started from `base`. My changes are replayed
 * onto theirs, so neither side's typing is lost; when mine cannot be placed, mine is kept and theirs is
 * appended below it, so nothing disappears silently.
 */
export function mergeText(base: string, mine: string, theirs: string): Merged {
  if (mine === base || mine === theirs) return { text: theirs, clean: true };
  if (theirs === base) return { text: mine, clean: true };
  const [text, applied] = applyPatches(makePatches(base, mine), theirs);
  if (applied.every(Boolean)) return { text, clean: true };
  return { text: `${mine}\n${theirs}`, clean: false };
}

/** One replacement that turns `from` into `to`, in UTF-16 offsets of `from`. */
export interface TextChange {
  from: number;
  to: number;
  insert: string;
}

/** The minimal edits from one text to another (for an editor, so cursors and selections map through them). */
export function textChanges(from: string, to: string): TextChange[] {
  const changes: TextChange[] = [];
  let pos = 0;
  for (const [op, chunk] of makeDiff(from, to)) {
    if (op === DIFF_INSERT) changes.push({ from: pos, to: pos, insert: chunk });
    else if (op === DIFF_DELETE) {
      changes.push({ from: pos, to: pos + chunk.length, insert: '' });
      pos += chunk.length;
    } else pos += chunk.length;
  }
  return changes;
}
