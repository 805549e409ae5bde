import { describe, expect, it } from "vitest";
import { nextWord, normalizeSuggestion } from "../ghost-text";
import { LruCache } from "../lru-cache";
import { MAX_DELAY_MS, MIN_DELAY_MS, TypingRhythm } from "../typing-rhythm";

describe("LruCache", () => {
  it("drops the least recently used entry past its capacity", () => {
    const cache = new LruCache<string, string>(2);
    cache.set("a", "1");
    cache.set("b", "2");
    expect(cache.get("a")).toBe("1"); // "b" is now the oldest
    cache.set("c", "3");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("1");
    expect(cache.get("c")).toBe("3");
    expect(cache.size).toBe(2);
  });

  it("keeps empty answers (known to have no suggestion)", () => {
    const cache = new LruCache<string, string>();
    cache.set("x", "");
    expect(cache.get("x")).toBe("");
  });
});

describe("TypingRhythm", () => {
  it("waits the least right after a word boundary", () => {
    const rhythm = new TypingRhythm();
    expect(rhythm.delayFor("Hello ")).toBe(MIN_DELAY_MS);
    expect(rhythm.delayFor("Hello,")).toBe(MIN_DELAY_MS);
    expect(rhythm.delayFor("Hello\n")).toBe(MIN_DELAY_MS);
  });

  it("follows the typing speed mid-word, within bounds", () => {
    const fast = new TypingRhythm();
    for (let t = 0; t < 2000; t += 50) fast.keystroke(t);
    expect(fast.delayFor("Hel")).toBe(MIN_DELAY_MS);

    const slow = new TypingRhythm();
    for (let t = 0; t < 8000; t += 400) slow.keystroke(t);
    expect(slow.delayFor("Hel")).toBe(MAX_DELAY_MS);

    const steady = new TypingRhythm();
    for (let t = 0; t < 4000; t += 100) steady.keystroke(t);
    expect(steady.delayFor("Hel")).toBeGreaterThan(MIN_DELAY_MS);
    expect(steady.delayFor("Hel")).toBeLessThan(MAX_DELAY_MS);
  });

  it("does not count long pauses as typing speed", () => {
    const rhythm = new TypingRhythm();
    for (let t = 0; t < 2000; t += 50) rhythm.keystroke(t);
    rhythm.keystroke(60_000);
    expect(rhythm.delayFor("Hel")).toBe(MIN_DELAY_MS);
  });
});

describe("suggestion text", () => {
  it("takes the next word with the space before it", () => {
    expect(nextWord(" brown fox")).toBe(" brown");
    expect(nextWord("n fox")).toBe("n");
    expect(nextWord("  ")).toBe("  ");
  });

  it("does not double a space the text already ends with", () => {
    expect(normalizeSuggestion("Hello ", " world")).toBe("world");
    expect(normalizeSuggestion("Hello", " world")).toBe(" world");
  });
});
