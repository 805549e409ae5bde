/**
 * A cell's numbers as people read them: tokens generated, time to the first token, total
 * time, and how much of the prompt llama.cpp found already in its KV cache.
 */
import type { CellState } from "./run-state";

export interface Stat {
  label: string;
  value: string;
}

/** Milliseconds under a second as "840 ms", longer as "1.35 s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The stats of a cell that has them; nothing for one still waiting. */
export function cellStats(cell: CellState): Stat[] {
  const stats: Stat[] = [];
  if (cell.usage) stats.push({ label: "Tokens", value: String(cell.usage.completion_tokens) });
  if (typeof cell.ttftMs === "number") stats.push({ label: "TTFT", value: formatMs(cell.ttftMs) });
  if (typeof cell.totalMs === "number")
    stats.push({ label: "Total", value: formatMs(cell.totalMs) });
  if (typeof cell.cacheN === "number") {
    const prompt = cell.usage?.prompt_tokens;
    stats.push({
      label: "Cached",
      value: prompt ? `${cell.cacheN} of ${prompt} prompt tokens` : `${cell.cacheN} tokens`,
    });
  }
  return stats;
}
