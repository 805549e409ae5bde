/**
 * A plain-text editor (CodeMirror 6) with ghost-text suggestions. It knows nothing about the
 * backend: it is given `complete(text, signal)` and shows what that returns after the cursor.
 * See ghost-text.ts for the behaviour and typing-rhythm.ts for when it asks.
 */
import { defaultKeymap, history, historyKeymap, insertNewline } from "@codemirror/commands";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, keymap, placeholder as placeholderExtension } from "@codemirror/view";
import { type CSSProperties, useEffect, useLayoutEffect, useRef, useState } from "react";
import {
  acceptGhost,
  type CompleteFn,
  dismissGhost,
  externalChange,
  type GhostStatus,
  ghostField,
  ghostText,
} from "./ghost-text";
import { LruCache } from "./lru-cache";
import "./ghost-text-editor.css";

export type { CompleteFn, GhostStatus } from "./ghost-text";

export const CACHE_SIZE = 100;

/**
 * One cache per `complete` function: the same text asks a different question of a different
 * completion type, and a stable function (see api/completion.ts) keeps its cache across
 * remounts, so coming back to a page still shows known suggestions at once.
 */
const caches = new WeakMap<CompleteFn, LruCache<string, string>>();

function cacheFor(complete: CompleteFn): LruCache<string, string> {
  let cache = caches.get(complete);
  if (!cache) {
    cache = new LruCache<string, string>(CACHE_SIZE);
    caches.set(complete, cache);
  }
  return cache;
}

export interface GhostTextEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** Asks for the continuation of the whole text; aborted when it becomes stale. */
  complete: CompleteFn;
  /** The off switch: no suggestions and no requests when false. */
  enabled?: boolean;
  /** When given, Enter submits (non-blank text only) and Shift+Enter starts a new line. */
  onSubmit?: (value: string) => void;
  placeholder?: string;
  ariaLabel: string;
  /** CSS length (or px) for the editing area. */
  minHeight?: string | number;
  disabled?: boolean;
  className?: string;
  /**
   * More CodeMirror extensions (e.g. `variableHighlight`). Pass a stable value (a module
   * constant or a memo): a new one reconfigures the editor.
   */
  extensions?: Extension;
}

/** What the status line says: the request's state, or "ready" while a suggestion shows. */
type ShownStatus = GhostStatus | "ready";

const STATUS_TEXT: Record<ShownStatus, string> = {
  idle: "Suggestions on",
  waiting: "Thinking of a suggestion…",
  ready: "Suggestion shown: Tab or Accept takes it",
  error: "No suggestion",
};

function configuration(props: {
  ariaLabel: string;
  placeholder: string | undefined;
  disabled: boolean;
}): Extension {
  return [
    EditorView.contentAttributes.of({ "aria-label": props.ariaLabel }),
    EditorView.editable.of(!props.disabled),
    EditorState.readOnly.of(props.disabled),
    props.placeholder ? placeholderExtension(props.placeholder) : [],
  ];
}

export function GhostTextEditor({
  value,
  onChange,
  complete,
  enabled = true,
  onSubmit,
  placeholder,
  ariaLabel,
  minHeight,
  disabled = false,
  className,
  extensions,
}: GhostTextEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const configCompartment = useRef(new Compartment()).current;
  const extraCompartment = useRef(new Compartment()).current;
  const [status, setStatus] = useState<GhostStatus>("idle");
  const [statusMessage, setStatusMessage] = useState<string | undefined>(undefined);
  const [hasGhost, setHasGhost] = useState(false);

  // The editor is created once; it reads the latest props through this ref.
  const latest = useRef({ onChange, onSubmit, complete, enabled, disabled });
  useLayoutEffect(() => {
    latest.current = { onChange, onSubmit, complete, enabled, disabled };
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: created once; later props arrive through `latest` and the effects below.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const submitKeys = keymap.of([
      {
        key: "Enter",
        run: (view) => {
          const submit = latest.current.onSubmit;
          if (!submit) return false;
          const text = view.state.doc.toString();
          if (!latest.current.disabled && text.trim()) submit(text);
          return true;
        },
      },
      { key: "Shift-Enter", run: insertNewline },
    ]);
    const view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: value,
        selection: { anchor: value.length },
        extensions: [
          history(),
          ghostText({
            getComplete: () => latest.current.complete,
            isEnabled: () => latest.current.enabled && !latest.current.disabled,
            getCache: () => cacheFor(latest.current.complete),
            onStatus: (next, message) => {
              setStatus(next);
              setStatusMessage(message);
            },
          }),
          submitKeys,
          keymap.of([...defaultKeymap, ...historyKeymap]),
          EditorView.lineWrapping,
          configCompartment.of(configuration({ ariaLabel, placeholder, disabled })),
          extraCompartment.of(extensions ?? []),
          EditorView.updateListener.of((update) => {
            setHasGhost(update.state.field(ghostField, false) !== null);
            if (!update.docChanged) return;
            if (update.transactions.some((tr) => tr.annotation(externalChange))) return;
            latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  // The `value` prop wins when it differs from the text (e.g. the chat clears it after Send).
  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const current = view.state.doc.toString();
    if (current === value) return;
    view.dispatch({
      changes: { from: 0, to: current.length, insert: value },
      selection: { anchor: value.length },
      annotations: externalChange.of(true),
    });
  }, [value]);

  useEffect(() => {
    viewRef.current?.dispatch({
      effects: configCompartment.reconfigure(configuration({ ariaLabel, placeholder, disabled })),
    });
  }, [ariaLabel, placeholder, disabled, configCompartment]);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: extraCompartment.reconfigure(extensions ?? []) });
  }, [extensions, extraCompartment]);

  // Turned off, or asking a different question: drop what is shown and what is pending.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on purpose when these change.
  useEffect(() => {
    viewRef.current?.dispatch({ effects: dismissGhost.of(null) });
  }, [enabled, disabled, complete]);

  const style =
    minHeight === undefined
      ? undefined
      : ({
          "--ghost-editor-min-height": typeof minHeight === "number" ? `${minHeight}px` : minHeight,
        } as CSSProperties);

  return (
    <div
      className={["ghost-editor", disabled ? "ghost-editor-disabled" : null, className]
        .filter(Boolean)
        .join(" ")}
      style={style}
    >
      <div ref={hostRef} className="ghost-editor-host" />
      {enabled ? (
        <GhostBar
          status={hasGhost && status === "idle" ? "ready" : status}
          message={statusMessage}
          onAccept={
            hasGhost && !disabled
              ? () => {
                  const view = viewRef.current;
                  if (!view) return;
                  acceptGhost(view, "all");
                  view.focus();
                }
              : undefined
          }
        />
      ) : null}
    </div>
  );
}

/**
 * The line under the text: what the suggestions are doing, in words and an icon (not colour
 * alone), and an Accept button for touch screens, which have no Tab key.
 */
function GhostBar({
  status,
  message,
  onAccept,
}: {
  status: ShownStatus;
  message: string | undefined;
  onAccept: (() => void) | undefined;
}) {
  const text =
    status === "error" && message ? `${STATUS_TEXT.error}: ${message}` : STATUS_TEXT[status];
  return (
    <div className="ghost-bar">
      <span
        className={`ghost-status ghost-status-${status}`}
        role="status"
        aria-label={`Suggestion status: ${status}`}
        title={status === "error" ? message : undefined}
      >
        <span className="ghost-status-icon" aria-hidden="true" />
        <span className="ghost-status-text">{text}</span>
      </span>
      {onAccept ? (
        <button
          type="button"
          className="btn btn-secondary ghost-accept"
          aria-label="Accept suggestion"
          // Keep the focus (and a phone's keyboard) in the editor.
          onPointerDown={(event) => event.preventDefault()}
          onMouseDown={(event) => event.preventDefault()}
          onClick={onAccept}
        >
          Accept
          <kbd>Tab</kbd>
        </button>
      ) : null}
    </div>
  );
}
