/**
 * Where the access token (JWT) lives between page loads. A tiny observable store so React
 * can re-render on login/logout (`useSyncExternalStore`) and the HTTP layer can read it.
 */
import { subscribeToStorageKey } from "./storage-subscription";

export const TOKEN_STORAGE_KEY = "prompt-portal.access-token";

type Listener = () => void;
const listeners = new Set<Listener>();

/**
 * Why the token went away, for the page that follows: "logout" (the person chose to leave),
 * "expired" (the sign-in ran out or was revoked), or null while a token is stored or when
 * another tab removed it.
 */
export type EndReason = "logout" | "expired";
let endReason: EndReason | null = null;

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
    endReason = null;
    window.localStorage.setItem(TOKEN_STORAGE_KEY, token);
    notify();
  },
  clear(reason: EndReason = "expired"): void {
    endReason = reason;
    window.localStorage.removeItem(TOKEN_STORAGE_KEY);
    notify();
  },
  /** Why this tab last cleared the token (see {@link EndReason}). */
  endReason(): EndReason | null {
    return readStorage() === null ? endReason : null;
  },
  /** Called on every change: in this tab, and in other tabs (through the `storage` event). */
  subscribe(listener: Listener): () => void {
    return subscribeToStorageKey(TOKEN_STORAGE_KEY, listeners, listener);
  },
};
