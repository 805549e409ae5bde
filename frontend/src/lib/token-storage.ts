/**
 * Where the access token (JWT) lives between page loads. A tiny observable store so React
 * can re-render on login/logout (`useSyncExternalStore`) and the HTTP layer can read it.
 */
import { subscribeToStorageKey } from "./storage-subscription";

export const TOKEN_STORAGE_KEY = "prompt-portal.access-token";

type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of listeners) listener();
}

function readStorage(): string | null {
  try {
    return window.localStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

export const tokenStorage = {
  get(): string | null {
    return readStorage();
  },
  set(token: string): void {
    window.localStorage.setItem(TOKEN_STORAGE_KEY, token);
    notify();
  },
  clear(): void {
    window.localStorage.removeItem(TOKEN_STORAGE_KEY);
    notify();
  },
  /** Called on every change: in this tab, and in other tabs (through the `storage` event). */
  subscribe(listener: Listener): () => void {
    return subscribeToStorageKey(TOKEN_STORAGE_KEY, listeners, listener);
  },
};
