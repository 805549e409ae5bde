/**
 * Driving the CodeMirror-based editor in jsdom. user-event's typing into a contenteditable
 * does not survive CodeMirror redrawing the line between keystrokes (jsdom has no layout or
 * real selection), so text goes in as the same transactions typing makes, and keys go to the
 * content element as keydown events, which is what CodeMirror's keymaps listen to.
 */
import { EditorView } from "@codemirror/view";
import { act, fireEvent } from "@testing-library/react";

/** The editor that `element` (its textbox, or anything inside it) belongs to. */
export function editorView(element: Element): EditorView {
  const root = element.closest(".cm-editor");
  const view = root ? EditorView.findFromDOM(root as HTMLElement) : null;
  if (!view) throw new Error("Not inside a CodeMirror editor");
  return view;
}

/** Type `text` at the cursor, one character per transaction, like a person typing. */
export function typeInEditor(element: Element, text: string): void {
  const view = editorView(element);
  act(() => {
    for (const char of text) {
      const { head } = view.state.selection.main;
      view.dispatch({
        changes: { from: head, insert: char },
        selection: { anchor: head + char.length },
        userEvent: "input.type",
      });
    }
  });
}

/** Move the cursor (a click or an arrow key would). */
export function moveCursor(element: Element, position: number): void {
  const view = editorView(element);
  act(() => {
    view.dispatch({ selection: { anchor: position }, userEvent: "select" });
  });
}

/** Press a key in the editor; true when the editor handled it (the default was prevented). */
export function pressKey(element: Element, key: string, init: KeyboardEventInit = {}): boolean {
  const view = editorView(element);
  let handled = false;
  act(() => {
    handled = !fireEvent.keyDown(view.contentDOM, { key, ...init });
  });
  return handled;
}

/** The editor's text, without the ghost suggestion drawn inside it. */
export function editorText(element: Element): string {
  return editorView(element).state.doc.toString();
}
