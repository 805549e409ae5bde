/**
 * Where the access token (JWT) lives between page loads. A tiny observable store so React
 * can re-render on login/logout (`useSyncExternalStore`) and the HTTP layer can read it.
 */
const STORAGE_KEY = "prompt-portal.access-token";

type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of listeners) listener();
}

function readStorage(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export const tokenStorage = {
  get(): string | null {
    return readStorage();
  },
  set(token: string): void {
    window.localStorage.setItem(STORAGE_KEY, token);
    notify();
  },
  clear(): void {
    window.localStorage.removeItem(STORAGE_KEY);
    notify();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
