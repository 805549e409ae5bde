/**
 * Ghost text for CodeMirror 6: a suggestion shown after the cursor, in low contrast, that Tab
 * accepts.
 *
 * - `ghostField` (a StateField) holds the suggestion and draws it as a widget decoration at
 *   the cursor. It only lives while the cursor sits, with an empty selection, at the end of the
 *   document. Typing the suggestion's own first characters shrinks it instead of dropping it.
 * - `GhostRequester` (a ViewPlugin) decides when to ask: it aborts the request in flight on
 *   every edit or cursor move, answers from the cache before any debounce, and otherwise waits
 *   for a pause (see typing-rhythm.ts) before calling `complete(text, signal)`.
 * - The keymap (highest precedence): Tab accepts all, Right / Mod-Right one word, Escape
 *   dismisses. Each returns false without a suggestion, so the keys keep their usual meaning
 *   (Tab moves focus, Escape reaches outer handlers).
 */
import {
  Annotation,
  type EditorState,
  type Extension,
  Prec,
  StateEffect,
  StateField,
  type Transaction,
} from "@codemirror/state";
import {
  Decoration,
  EditorView,
  keymap,
  ViewPlugin,
  type ViewUpdate,
  WidgetType,
} from "@codemirror/view";
import type { LruCache } from "./lru-cache";
import { TypingRhythm } from "./typing-rhythm";

/** Returns the continuation of `text`; must reject (or resolve late, ignored) once aborted. */
export type CompleteFn = (text: string, signal: AbortSignal) => Promise<string>;

export type GhostStatus = "idle" | "waiting" | "error";

export interface Ghost {
  /** The suggested text still to be accepted. */
  text: string;
  /** Where it would be inserted: always the end of the document. */
  pos: number;
}

export const setGhost = StateEffect.define<Ghost>();
export const dismissGhost = StateEffect.define<null>();

/** Marks a transaction that replaces the text from outside (the `value` prop). */
export const externalChange = Annotation.define<boolean>();

/** The user event of a transaction that accepts (part of) a suggestion. */
export const ACCEPT_EVENT = "input.complete";

function cursorAtEnd(state: EditorState): boolean {
  const { main } = state.selection;
  return state.selection.ranges.length === 1 && main.empty && main.head === state.doc.length;
}

/**
 * The suggestion after `tr`'s edits: kept (shorter) when the edit is one insertion at the
 * suggestion's position of text the suggestion starts with, dropped otherwise.
 */
function mapGhost(ghost: Ghost, tr: Transaction): Ghost | null {
  let inserted: string | null = null;
  let changes = 0;
  tr.changes.iterChanges((fromA, toA, _fromB, _toB, text) => {
    changes += 1;
    if (fromA === ghost.pos && toA === ghost.pos) inserted = text.toString();
  });
  if (changes !== 1 || !inserted) return null;
  const typed: string = inserted;
  if (!ghost.text.startsWith(typed)) return null;
  const rest = ghost.text.slice(typed.length);
  return rest ? { text: rest, pos: ghost.pos + typed.length } : null;
}

class GhostWidget extends WidgetType {
  constructor(readonly text: string) {
    super();
  }

  override eq(other: GhostWidget): boolean {
    return other.text === this.text;
  }

  toDOM(): HTMLElement {
    const span = document.createElement("span");
    span.className = "cm-ghost-text";
    span.setAttribute("aria-hidden", "true");
    span.textContent = this.text;
    return span;
  }

  /** Let clicks on the ghost reach the editor (they place the cursor). */
  override ignoreEvent(): boolean {
    return false;
  }
}

export const ghostField = StateField.define<Ghost | null>({
  create: () => null,
  update(ghost, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setGhost)) return effect.value.text ? effect.value : null;
      if (effect.is(dismissGhost)) return null;
    }
    if (!ghost) return null;
    const next = tr.docChanged ? mapGhost(ghost, tr) : ghost;
    if (!next || !cursorAtEnd(tr.state) || next.pos !== tr.state.doc.length) return null;
    return next;
  },
  provide: (field) =>
    EditorView.decorations.from(field, (ghost) =>
      ghost
        ? Decoration.set([
            Decoration.widget({ widget: new GhostWidget(ghost.text), side: 1 }).range(ghost.pos),
          ])
        : Decoration.none,
    ),
});

/** The next word of a suggestion, with the whitespace before it. */
export function nextWord(text: string): string {
  const match = /^\s*[^\s]+/.exec(text);
  return match ? match[0] : text;
}

/** Insert the whole suggestion (`"all"`) or its next word; false when there is none. */
export function acceptGhost(view: EditorView, part: "all" | "word"): boolean {
  const ghost = view.state.field(ghostField, false);
  if (!ghost) return false;
  const insert = part === "all" ? ghost.text : nextWord(ghost.text);
  view.dispatch({
    changes: { from: ghost.pos, insert },
    selection: { anchor: ghost.pos + insert.length },
    userEvent: ACCEPT_EVENT,
    scrollIntoView: true,
  });
  return true;
}

/** Hide the suggestion and stop any pending request; false when nothing was shown. */
export function dismiss(view: EditorView): boolean {
  const shown = view.state.field(ghostField, false) !== null;
  view.dispatch({ effects: dismissGhost.of(null) });
  return shown;
}

/**
 * The continuation as it will be shown: when the text already ends in whitespace, the
 * suggestion's own leading spaces would double it.
 */
export function normalizeSuggestion(text: string, completion: string): string {
  return /\s$/.test(text) ? completion.replace(/^[ \t]+/, "") : completion;
}

export interface GhostTextConfig {
  getComplete: () => CompleteFn;
  isEnabled: () => boolean;
  getCache: () => LruCache<string, string>;
  onStatus: (status: GhostStatus, message?: string) => void;
  /** Clock for the typing rhythm; tests may replace it. */
  now?: () => number;
}

function errorMessage(error: unknown): string {
  return error instanceof Error && error.message ? error.message : "Suggestions are unavailable";
}

function makeRequester(config: GhostTextConfig) {
  const now = config.now ?? (() => performance.now());

  return class GhostRequester {
    private timer: ReturnType<typeof setTimeout> | undefined;
    private controller: AbortController | undefined;
    private readonly rhythm = new TypingRhythm();
    private destroyed = false;

    constructor(readonly view: EditorView) {}

    update(update: ViewUpdate): void {
      const dismissed = update.transactions.some((tr) =>
        tr.effects.some((effect) => effect.is(dismissGhost)),
      );
      if (dismissed) {
        this.cancel();
        config.onStatus("idle");
        return;
      }
      if (!update.docChanged && !update.selectionSet) return;
      // Any edit or cursor move makes the request in flight stale.
      this.cancel();
      const external = update.transactions.some((tr) => tr.annotation(externalChange));
      const typed = update.transactions.some(
        (tr) => tr.docChanged && !tr.isUserEvent(ACCEPT_EVENT),
      );
      if (typed && !external) this.rhythm.keystroke(now());
      config.onStatus("idle");

      const text = update.state.doc.toString();
      const ghost = update.state.field(ghostField, false);
      if (ghost) {
        // The person typed the start of the suggestion (or accepted a word): remember the
        // rest for this text too, so coming back to it (Backspace) shows it at once.
        config.getCache().set(text, ghost.text);
        return;
      }
      if (external) return;
      this.schedule(text);
    }

    private schedule(text: string): void {
      const { state } = this.view;
      if (!config.isEnabled() || !cursorAtEnd(state) || !text.trim()) return;

      const cached = config.getCache().get(text);
      if (cached !== undefined) {
        // Known prefix: no debounce, no request. Dispatching inside an update is not
        // allowed, so show it right after this one.
        queueMicrotask(() => this.show(text, cached));
        return;
      }

      // The answer belongs to this function's cache, even if another one is current by the time
      // it arrives (e.g. the completion type changed).
      const complete = config.getComplete();
      const cache = config.getCache();
      this.timer = setTimeout(() => {
        this.timer = undefined;
        const controller = new AbortController();
        this.controller = controller;
        config.onStatus("waiting");
        complete(text, controller.signal).then(
          (completion) => {
            if (controller.signal.aborted || this.destroyed) return;
            this.controller = undefined;
            cache.set(text, completion);
            config.onStatus("idle");
            this.show(text, completion);
          },
          (error: unknown) => {
            if (controller.signal.aborted || this.destroyed) return;
            this.controller = undefined;
            config.onStatus("error", errorMessage(error));
          },
        );
      }, this.rhythm.delayFor(text));
    }

    private show(text: string, completion: string): void {
      if (this.destroyed || !config.isEnabled()) return;
      const { state } = this.view;
      if (state.doc.toString() !== text || !cursorAtEnd(state)) return;
      const suggestion = normalizeSuggestion(text, completion);
      if (!suggestion) return;
      this.view.dispatch({ effects: setGhost.of({ text: suggestion, pos: state.doc.length }) });
    }

    private cancel(): void {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.controller?.abort();
      this.controller = undefined;
    }

    destroy(): void {
      this.destroyed = true;
      this.cancel();
    }
  };
}

const ghostTheme = EditorView.baseTheme({
  // A colour readable on its own (WCAG AA, see --ghost in styles.css) and italics, so the
  // suggestion differs from typed text by more than its shade.
  ".cm-ghost-text": {
    color: "var(--ghost, #6b7280)",
    fontStyle: "italic",
    whiteSpace: "pre-wrap",
    pointerEvents: "none",
  },
});

/** Everything ghost text needs: the field, the requester, the keys and the style. */
export function ghostText(config: GhostTextConfig): Extension {
  return [
    ghostField,
    ViewPlugin.fromClass(makeRequester(config)),
    Prec.highest(
      keymap.of([
        { key: "Tab", run: (view) => acceptGhost(view, "all") },
        { key: "ArrowRight", run: (view) => acceptGhost(view, "word") },
        { key: "Mod-ArrowRight", run: (view) => acceptGhost(view, "word") },
        { key: "Escape", run: dismiss },
      ]),
    ),
    ghostTheme,
  ];
}
