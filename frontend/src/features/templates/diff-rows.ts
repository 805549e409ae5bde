/**
 * The API's line diff (`lines`: equal / remove / add, with line numbers on each side) laid out
 * side by side: unchanged lines on both sides, and each run of removed lines paired with the
 * run of added lines that follows it, so a changed line sits next to what replaced it.
 */

export interface DiffLine {
  op: "equal" | "add" | "remove";
  text: string;
  old?: number | null;
  new?: number | null;
}

export interface DiffCell {
  line: number | null;
  text: string;
}

export interface DiffRow {
  /** "change" pairs a removed line with an added one; "remove"/"add" have one side only. */
  kind: "equal" | "change" | "remove" | "add";
  left: DiffCell | null;
  right: DiffCell | null;
}

function cell(line: number | null | undefined, text: string): DiffCell {
  return { line: line ?? null, text };
}

function pairRun(removed: DiffLine[], added: DiffLine[]): DiffRow[] {
  const rows: DiffRow[] = [];
  for (let index = 0; index < Math.max(removed.length, added.length); index += 1) {
    const left = removed[index];
    const right = added[index];
    rows.push({
      kind: left && right ? "change" : left ? "remove" : "add",
      left: left ? cell(left.old, left.text) : null,
      right: right ? cell(right.new, right.text) : null,
    });
  }
  return rows;
}

export function sideBySide(lines: readonly DiffLine[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let removed: DiffLine[] = [];
  let added: DiffLine[] = [];
  const flush = () => {
    rows.push(...pairRun(removed, added));
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.op === "remove") {
      // A removal after additions starts a new change.
      if (added.length > 0) flush();
      removed.push(line);
    } else if (line.op === "add") {
      added.push(line);
    } else {
      flush();
      rows.push({
        kind: "equal",
        left: cell(line.old, line.text),
        right: cell(line.new, line.text),
      });
    }
  }
  flush();
  return rows;
}

/** How many lines were added and removed. */
export function diffCounts(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.op === "add") added += 1;
    if (line.op === "remove") removed += 1;
  }
  return { added, removed };
}
