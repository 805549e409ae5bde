/**
 * How long to wait after a keystroke before asking for a suggestion.
 *
 * A suggestion is worth asking for when the person pauses; asking on every keystroke wastes
 * model time on text that is about to change. What counts as a pause depends on the person,
 * so the delay follows their own rhythm: we keep a running average of the gap between
 * keystrokes and treat a silence of about twice that gap as a pause (a fast typist gets a
 * shorter wait, a slow one a longer wait), kept within MIN_DELAY_MS..MAX_DELAY_MS.
 * Right after a word boundary (space, punctuation, new line) the next word is exactly what a
 * suggestion offers and people tend to stop there, so we use the shortest wait; in the
 * middle of a word the word is usually still being typed, so the adaptive wait applies.
 */
export const MIN_DELAY_MS = 150;
export const MAX_DELAY_MS = 300;

/** Gaps longer than this are real pauses, not typing speed; they do not move the average. */
const MAX_TYPING_GAP_MS = 1000;
const SMOOTHING = 0.3;
const BOUNDARY = /[\s.,;:!?)\]}"'`]$/;

export class TypingRhythm {
  private lastAt: number | undefined;
  private averageGap = 120;

  /** Record a keystroke at `now` (ms). */
  keystroke(now: number): void {
    if (this.lastAt !== undefined) {
      const gap = now - this.lastAt;
      if (gap >= 0 && gap <= MAX_TYPING_GAP_MS) {
        this.averageGap += SMOOTHING * (gap - this.averageGap);
      }
    }
    this.lastAt = now;
  }

  /** The debounce for a request about `text` (the whole document, cursor at its end). */
  delayFor(text: string): number {
    if (BOUNDARY.test(text)) return MIN_DELAY_MS;
    return Math.round(Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, 2 * this.averageGap)));
  }
}
