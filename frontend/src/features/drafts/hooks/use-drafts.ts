/**
 * Drafts live in this browser only: one autosaved draft per completion type, plus the type
 * that was open last, in localStorage, under a key per account (so the next person to sign in
 * on a shared browser does not see them).
 */
import { useCallback, useEffect, useState } from "react";
import { type CompletionType, isCompletionType } from "@/api/completion";

export const DRAFTS_STORAGE_KEY = "prompt-portal.drafts.v1";

/** The localStorage key of one account's drafts (`owner`: the user's id). */
export function draftsStorageKey(owner: string): string {
  return `${DRAFTS_STORAGE_KEY}:${owner}`;
}

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

export function loadDrafts(owner: string): DraftStore {
  try {
    const raw = window.localStorage.getItem(draftsStorageKey(owner));
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

function save(owner: string, store: DraftStore): boolean {
  try {
    window.localStorage.setItem(draftsStorageKey(owner), JSON.stringify(store));
    return true;
  } catch {
    return false;
  }
}

/** `owner`'s drafts; mount it again (a `key`) when the owner changes. */
export function useDrafts(owner: string) {
  const [store, setStore] = useState<DraftStore>(() => loadDrafts(owner));
  const [saveFailed, setSaveFailed] = useState(false);

  useEffect(() => {
    setSaveFailed(!save(owner, store));
  }, [owner, store]);

  const setType = useCallback(
    (type: CompletionType) => setStore((previous) => ({ ...previous, current: type })),
    [],
  );

  const setText = useCallback(
    (text: string) =>
      setStore((previous) => ({
        ...previous,
        drafts: { ...previous.drafts, [previous.current]: { text, updatedAt: Date.now() } },
      })),
    [],
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
