import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type CompleteFn, ghostText } from "../ghost-text";
import { LruCache } from "../lru-cache";
import { MAX_DELAY_MS } from "../typing-rhythm";

describe("ghostText", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("caches an answer with the completion it was asked of, even if that changed meanwhile", async () => {
    let answer: (value: string) => void = () => undefined;
    const emailComplete = vi.fn<CompleteFn>(
      () => new Promise<string>((resolve) => (answer = resolve)),
    );
    const codeComplete = vi.fn<CompleteFn>(() => Promise.resolve(" code"));
    const caches = new Map<CompleteFn, LruCache<string, string>>([
      [emailComplete, new LruCache<string, string>()],
      [codeComplete, new LruCache<string, string>()],
    ]);
    let current: CompleteFn = emailComplete;
    const getCache = () => caches.get(current) as LruCache<string, string>;
    const view = new EditorView({
      parent: document.body,
      state: EditorState.create({
        extensions: ghostText({
          getComplete: () => current,
          getCache,
          isEnabled: () => true,
          onStatus: () => undefined,
        }),
      }),
    });

    view.dispatch({
      changes: { from: 0, insert: "Dear Sam," },
      selection: { anchor: 9 },
      userEvent: "input.type",
    });
    await vi.advanceTimersByTimeAsync(MAX_DELAY_MS + 10);
    expect(emailComplete).toHaveBeenCalledWith("Dear Sam,", expect.any(AbortSignal));

    // The type changes while the email answer is on its way.
    current = codeComplete;
    answer(" I hope");
    await vi.advanceTimersByTimeAsync(0);

    expect(caches.get(emailComplete)?.get("Dear Sam,")).toBe(" I hope");
    expect(caches.get(codeComplete)?.get("Dear Sam,")).toBeUndefined();
    view.destroy();
  });
});
