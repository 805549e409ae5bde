import { act, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { editorText, moveCursor, pressKey, typeInEditor } from "@/testing/editor";
import { type CompleteFn, GhostTextEditor, type GhostTextEditorProps } from "../ghost-text-editor";
import { MAX_DELAY_MS } from "../typing-rhythm";

type Props = Partial<GhostTextEditorProps> & { complete: CompleteFn; initial?: string };

function Harness({ initial = "", onChange, ...props }: Props) {
  const [value, setValue] = useState(initial);
  return (
    <GhostTextEditor
      ariaLabel="Draft"
      value={value}
      onChange={(next) => {
        setValue(next);
        onChange?.(next);
      }}
      {...props}
    />
  );
}

/** A `complete` that answers from `answers` (by text) and records every call's signal. */
function fakeComplete(answers: Record<string, string>) {
  const calls: { text: string; signal: AbortSignal }[] = [];
  const fn = vi.fn<CompleteFn>((text, signal) => {
    calls.push({ text, signal });
    return Promise.resolve(answers[text] ?? "");
  });
  return { fn, calls };
}

/** A `complete` whose answers the test releases by hand. */
function pendingComplete() {
  const calls: { text: string; signal: AbortSignal; resolve: (value: string) => void }[] = [];
  const fn = vi.fn<CompleteFn>(
    (text, signal) =>
      new Promise<string>((resolve, reject) => {
        calls.push({ text, signal, resolve });
        signal.addEventListener("abort", () =>
          reject(new DOMException("The operation was aborted.", "AbortError")),
        );
      }),
  );
  return { fn, calls };
}

const ghost = () => document.querySelector(".cm-ghost-text");
const textbox = () => screen.getByRole("textbox", { name: "Draft" });

/** Let the debounce run out and the answer arrive. */
async function pause(ms = MAX_DELAY_MS + 10) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("GhostTextEditor", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows the suggestion after the debounce, not before", async () => {
    const { fn } = fakeComplete({ "The quick brown": " fox jumps" });
    render(<Harness complete={fn} />);

    typeInEditor(textbox(), "The quick brown");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(100);
    });
    expect(fn).not.toHaveBeenCalled();
    expect(ghost()).toBeNull();

    await pause();
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn.mock.calls[0]?.[0]).toBe("The quick brown");
    expect(ghost()).toHaveTextContent("fox jumps");
    expect(ghost()).toHaveAttribute("aria-hidden", "true");
    // The ghost is only drawn: the text itself is unchanged.
    expect(editorText(textbox())).toBe("The quick brown");
  });

  it("Tab inserts the whole suggestion and keeps focus", async () => {
    const onChange = vi.fn();
    const { fn } = fakeComplete({ "The quick brown": " fox jumps" });
    render(<Harness complete={fn} onChange={onChange} />);
    textbox().focus();

    typeInEditor(textbox(), "The quick brown");
    await pause();
    expect(ghost()).not.toBeNull();

    expect(pressKey(textbox(), "Tab")).toBe(true);
    expect(editorText(textbox())).toBe("The quick brown fox jumps");
    expect(onChange).toHaveBeenLastCalledWith("The quick brown fox jumps");
    expect(ghost()).toBeNull();
    expect(textbox()).toHaveFocus();
  });

  it("says in words when a suggestion is shown; the Accept button takes it (no Tab on phones)", async () => {
    const onChange = vi.fn();
    const { fn } = fakeComplete({ "The quick brown": " fox jumps" });
    render(<Harness complete={fn} onChange={onChange} />);
    textbox().focus();
    expect(screen.getByRole("status", { name: "Suggestion status: idle" })).toHaveTextContent(
      "Suggestions on",
    );
    expect(screen.queryByRole("button", { name: "Accept suggestion" })).not.toBeInTheDocument();

    typeInEditor(textbox(), "The quick brown");
    await pause();
    expect(screen.getByRole("status", { name: "Suggestion status: ready" })).toHaveTextContent(
      "Suggestion shown: Tab or Accept takes it",
    );

    act(() => screen.getByRole("button", { name: "Accept suggestion" }).click());
    expect(editorText(textbox())).toBe("The quick brown fox jumps");
    expect(onChange).toHaveBeenLastCalledWith("The quick brown fox jumps");
    expect(textbox()).toHaveFocus();
    expect(screen.queryByRole("button", { name: "Accept suggestion" })).not.toBeInTheDocument();
  });

  it("leaves Tab alone when there is no suggestion", () => {
    const { fn } = fakeComplete({});
    render(<Harness complete={fn} />);
    typeInEditor(textbox(), "Hello");
    expect(pressKey(textbox(), "Tab")).toBe(false);
    expect(editorText(textbox())).toBe("Hello");
  });

  it("aborts the request in flight when the person types on", async () => {
    const { fn, calls } = pendingComplete();
    render(<Harness complete={fn} />);

    typeInEditor(textbox(), "Dear team,");
    await pause();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.signal.aborted).toBe(false);
    expect(screen.getByRole("status", { name: "Suggestion status: waiting" })).toBeInTheDocument();

    typeInEditor(textbox(), " I");
    expect(calls[0]?.signal.aborted).toBe(true);
    expect(screen.getByRole("status", { name: "Suggestion status: idle" })).toBeInTheDocument();

    await pause();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.text).toBe("Dear team, I");
    // A late answer to the stale request is never shown.
    await act(async () => calls[0]?.resolve(" stale"));
    expect(ghost()).toBeNull();
    await act(async () => calls[1]?.resolve(" hope you are well."));
    expect(ghost()).toHaveTextContent("hope you are well.");
  });

  it("aborts when the cursor moves and when the editor unmounts", async () => {
    const { fn, calls } = pendingComplete();
    const { unmount } = render(<Harness complete={fn} />);

    typeInEditor(textbox(), "Hello there");
    await pause();
    moveCursor(textbox(), 2);
    expect(calls[0]?.signal.aborted).toBe(true);

    moveCursor(textbox(), "Hello there".length);
    await pause();
    expect(calls).toHaveLength(2);
    unmount();
    expect(calls[1]?.signal.aborted).toBe(true);
  });

  it("shows a cached suggestion at once, without asking again", async () => {
    const { fn } = fakeComplete({ Hello: " world" });
    render(<Harness complete={fn} />);

    typeInEditor(textbox(), "Hello");
    await pause();
    expect(ghost()).toHaveTextContent("world");
    expect(fn).toHaveBeenCalledTimes(1);

    typeInEditor(textbox(), "!");
    expect(ghost()).toBeNull();
    await pause();
    expect(fn).toHaveBeenCalledTimes(2);

    // Back to "Hello": known, so it shows without any debounce or request.
    pressKey(textbox(), "Backspace");
    await act(async () => {});
    expect(editorText(textbox())).toBe("Hello");
    expect(ghost()).toHaveTextContent("world");
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it("shrinks the suggestion while the person types its first characters", async () => {
    const { fn } = fakeComplete({ "The quick": " brown fox" });
    render(<Harness complete={fn} />);

    typeInEditor(textbox(), "The quick");
    await pause();
    typeInEditor(textbox(), " bro");
    expect(ghost()).toHaveTextContent("wn fox");
    await pause();
    expect(fn).toHaveBeenCalledTimes(1);

    typeInEditor(textbox(), "ad");
    expect(ghost()).toBeNull();
  });

  it("Escape dismisses the suggestion", async () => {
    const { fn } = fakeComplete({ "Good morning": ", everyone" });
    render(<Harness complete={fn} />);

    typeInEditor(textbox(), "Good morning");
    await pause();
    expect(ghost()).not.toBeNull();

    expect(pressKey(textbox(), "Escape")).toBe(true);
    expect(ghost()).toBeNull();
    expect(editorText(textbox())).toBe("Good morning");
    await pause();
    expect(ghost()).toBeNull();
    expect(fn).toHaveBeenCalledTimes(1);
    // Nothing left to dismiss: Escape goes on to outer handlers.
    expect(pressKey(textbox(), "Escape")).toBe(false);
  });

  it("Ctrl+Right and Right accept one word at a time", async () => {
    const { fn } = fakeComplete({ "The quick": " brown fox jumps" });
    render(<Harness complete={fn} />);

    typeInEditor(textbox(), "The quick");
    await pause();

    expect(pressKey(textbox(), "ArrowRight", { ctrlKey: true })).toBe(true);
    expect(editorText(textbox())).toBe("The quick brown");
    expect(ghost()).toHaveTextContent("fox jumps");

    expect(pressKey(textbox(), "ArrowRight")).toBe(true);
    expect(editorText(textbox())).toBe("The quick brown fox");
    expect(ghost()).toHaveTextContent("jumps");
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("never asks when turned off", async () => {
    const { fn } = fakeComplete({ Hello: " world" });
    render(<Harness complete={fn} enabled={false} />);

    typeInEditor(textbox(), "Hello");
    await pause(1000);
    expect(fn).not.toHaveBeenCalled();
    expect(ghost()).toBeNull();
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
    expect(pressKey(textbox(), "Tab")).toBe(false);
  });

  it("turning it off hides the suggestion", async () => {
    const { fn } = fakeComplete({ Hello: " world" });
    const { rerender } = render(
      <GhostTextEditor ariaLabel="Draft" value="" onChange={() => {}} complete={fn} />,
    );
    typeInEditor(textbox(), "Hello");
    await pause();
    expect(ghost()).not.toBeNull();

    rerender(
      <GhostTextEditor
        ariaLabel="Draft"
        value="Hello"
        onChange={() => {}}
        complete={fn}
        enabled={false}
      />,
    );
    expect(ghost()).toBeNull();
  });

  it("never asks about empty or blank text", async () => {
    const { fn } = fakeComplete({});
    render(<Harness complete={fn} />);

    typeInEditor(textbox(), "   \n ");
    await pause(1000);
    expect(fn).not.toHaveBeenCalled();
  });

  it("shows an error dot when the request fails, and clears it on typing", async () => {
    const fn = vi.fn<CompleteFn>(() => Promise.reject(new Error("LLM service unavailable")));
    render(<Harness complete={fn} />);

    typeInEditor(textbox(), "Hello");
    await pause();
    const dot = screen.getByRole("status", { name: "Suggestion status: error" });
    expect(dot).toHaveAttribute("title", "LLM service unavailable");
    expect(dot).toHaveTextContent("No suggestion: LLM service unavailable");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    typeInEditor(textbox(), "!");
    expect(screen.getByRole("status", { name: "Suggestion status: idle" })).toBeInTheDocument();
  });

  it("Enter submits and Shift+Enter starts a new line when onSubmit is given", () => {
    const onSubmit = vi.fn();
    const { fn } = fakeComplete({});
    render(<Harness complete={fn} onSubmit={onSubmit} />);

    typeInEditor(textbox(), "first");
    expect(pressKey(textbox(), "Enter", { shiftKey: true })).toBe(true);
    typeInEditor(textbox(), "second");
    expect(editorText(textbox())).toBe("first\nsecond");

    expect(pressKey(textbox(), "Enter")).toBe(true);
    expect(onSubmit).toHaveBeenCalledWith("first\nsecond");
  });

  it("Enter inserts a new line without onSubmit", () => {
    const { fn } = fakeComplete({});
    render(<Harness complete={fn} />);
    typeInEditor(textbox(), "one");
    pressKey(textbox(), "Enter");
    typeInEditor(textbox(), "two");
    expect(editorText(textbox())).toBe("one\ntwo");
  });

  it("follows the value prop without asking for a suggestion", async () => {
    const { fn } = fakeComplete({ Loaded: " text" });
    const { rerender } = render(
      <GhostTextEditor ariaLabel="Draft" value="" onChange={() => {}} complete={fn} />,
    );
    rerender(
      <GhostTextEditor ariaLabel="Draft" value="Loaded" onChange={() => {}} complete={fn} />,
    );
    expect(editorText(textbox())).toBe("Loaded");
    await pause(1000);
    expect(fn).not.toHaveBeenCalled();
  });
});
