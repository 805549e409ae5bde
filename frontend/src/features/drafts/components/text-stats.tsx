/** Words are runs of non-space characters; characters count code points, not UTF-16 units. */
export function countWords(text: string): number {
  const words = text.trim().match(/\S+/g);
  return words ? words.length : 0;
}

export function countChars(text: string): number {
  return Array.from(text).length;
}

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

export function TextStats({ text }: { text: string }) {
  return (
    <p className="text-stats muted" aria-live="polite" data-testid="draft-stats">
      {plural(countWords(text), "word", "words")} ·{" "}
      {plural(countChars(text), "character", "characters")}
    </p>
  );
}
