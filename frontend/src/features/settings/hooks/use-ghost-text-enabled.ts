/**
 * The ghost-text off switch, kept in localStorage so it holds across reloads. Every component
 * using the hook (and other tabs, through the `storage` event) sees a change at once.
 */
import { useCallback, useSyncExternalStore } from "react";
import { subscribeToStorageKey } from "@/lib/storage-subscription";

export const GHOST_TEXT_STORAGE_KEY = "prompt-portal.ghost-text-enabled";

const listeners = new Set<() => void>();

/** The choice made in this tab when it could not be saved; it wins over storage until then. */
let unsaved: boolean | undefined;

function read(): boolean {
  if (unsaved !== undefined) return unsaved;
  try {
    return window.localStorage.getItem(GHOST_TEXT_STORAGE_KEY) !== "false";
  } catch {
    return true;
  }
}

function subscribe(listener: () => void): () => void {
  return subscribeToStorageKey(GHOST_TEXT_STORAGE_KEY, listeners, listener);
}

export function setGhostTextEnabled(enabled: boolean): void {
  try {
    window.localStorage.setItem(GHOST_TEXT_STORAGE_KEY, String(enabled));
    unsaved = undefined;
  } catch {
    // Storage unavailable (private mode, quota): the switch holds for this session only.
    unsaved = enabled;
  }
  for (const listener of listeners) listener();
}

/** `[enabled, setEnabled]`; on unless the person turned it off. */
export function useGhostTextEnabled(): [boolean, (enabled: boolean) => void] {
  const enabled = useSyncExternalStore(subscribe, read, () => true);
  const set = useCallback((value: boolean) => setGhostTextEnabled(value), []);
  return [enabled, set];
}
