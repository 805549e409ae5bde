import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

/**
 * jsdom has no layout. CodeMirror measures text through these; empty rectangles are enough for
 * it to work (nothing in the tests depends on positions).
 */
function emptyRects(): DOMRectList {
  const list = [] as unknown as DOMRectList & DOMRect[];
  (list as unknown as { item: (index: number) => DOMRect | null }).item = () => null;
  return list;
}

if (typeof Range !== "undefined") {
  Range.prototype.getClientRects ??= emptyRects;
  Range.prototype.getBoundingClientRect ??= () => new DOMRect();
}
if (typeof document !== "undefined") {
  document.elementFromPoint ??= () => null;
}
// jsdom does not scroll; the router restores scroll positions between pages.
if (typeof window !== "undefined") {
  window.scrollTo = () => undefined;
}

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});
