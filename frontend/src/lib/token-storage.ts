/**
 * Where the access token (JWT) lives between page loads. A tiny observable store so React
 * can re-render on login/logout (`useSyncExternalStore`) and the HTTP layer can read it.
 */
import { subscribeToStorageKey } from "./storage-subscription";

export const TOKEN_STORAGE_KEY = "prompt-portal.access-token";
/**
 * When this browser received the token (its own clock, milliseconds): with the token's
 * lifetime, that says when it lapses here even if this clock and the server's disagree.
 */
export const TOKEN_RECEIVED_KEY = "prompt-portal.access-token-received-at";

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
    // Before the token, so another tab that hears about the token finds its time too.
    window.localStorage.setItem(TOKEN_RECEIVED_KEY, String(Date.now()));
    window.localStorage.setItem(TOKEN_STORAGE_KEY, token);
    notify();
  },
  clear(reason: EndReason = "expired"): void {
    endReason = reason;
    window.localStorage.removeItem(TOKEN_STORAGE_KEY);
    window.localStorage.removeItem(TOKEN_RECEIVED_KEY);
    notify();
  },
  /** When the stored token arrived (see {@link TOKEN_RECEIVED_KEY}); null when unknown. */
  receivedAt(): number | null {
    try {
      const value = Number(window.localStorage.getItem(TOKEN_RECEIVED_KEY));
      return Number.isFinite(value) && value > 0 ? value : null;
    } catch {
      return null;
    }
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
