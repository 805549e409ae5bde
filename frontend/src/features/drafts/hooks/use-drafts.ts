/**
 * Drafts live in this browser only: one autosaved draft per completion type, plus the type
 * that was open last, in localStorage.
 */
import { useCallback, useState } from "react";
import { type CompletionType, isCompletionType } from "@/api/completion";

export const DRAFTS_STORAGE_KEY = "prompt-portal.drafts.v1";

export interface Draft {
  text: string;
  /** Milliseconds since the epoch. */
  updatedAt: number;
}

export interface DraftStore {
  current: CompletionType;
  drafts: Partial<Record<CompletionType, Draft>>;
}

const EMPTY: DraftStore = { current: "general", drafts: {} };

export function loadDrafts(): DraftStore {
  try {
    const raw = window.localStorage.getItem(DRAFTS_STORAGE_KEY);
    if (!raw) return EMPTY;
    const parsed = JSON.parse(raw) as Partial<DraftStore>;
    const drafts: DraftStore["drafts"] = {};
    for (const [type, draft] of Object.entries(parsed.drafts ?? {})) {
      if (isCompletionType(type) && typeof draft?.text === "string") {
        drafts[type] = { text: draft.text, updatedAt: Number(draft.updatedAt) || 0 };
      }
    }
    return { current: isCompletionType(parsed.current) ? parsed.current : "general", drafts };
  } catch {
    return EMPTY;
  }
}

function save(store: DraftStore): boolean {
  try {
    window.localStorage.setItem(DRAFTS_STORAGE_KEY, JSON.stringify(store));
    return true;
  } catch {
    return false;
  }
}

export function useDrafts() {
  const [store, setStore] = useState<DraftStore>(loadDrafts);
  const [saveFailed, setSaveFailed] = useState(false);

  const update = useCallback((next: (store: DraftStore) => DraftStore) => {
    setStore((previous) => {
      const value = next(previous);
      setSaveFailed(!save(value));
      return value;
    });
  }, []);

  const setType = useCallback(
    (type: CompletionType) => update((previous) => ({ ...previous, current: type })),
    [update],
  );

  const setText = useCallback(
    (text: string) =>
      update((previous) => ({
        ...previous,
        drafts: { ...previous.drafts, [previous.current]: { text, updatedAt: Date.now() } },
      })),
    [update],
  );

  const draft = store.drafts[store.current];
  return {
    type: store.current,
    text: draft?.text ?? "",
    updatedAt: draft?.updatedAt,
    saveFailed,
    setType,
    setText,
  };
}
