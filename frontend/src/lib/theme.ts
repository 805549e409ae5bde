/**
 * Light or dark: "system" follows the device (the CSS reads `prefers-color-scheme`); "light"
 * and "dark" are a choice saved in this browser and written to `<html data-theme>`, which the
 * colour variables in styles.css key on. Every tab sees a change at once.
 */
import { useCallback, useSyncExternalStore } from "react";
import { subscribeToStorageKey } from "./storage-subscription";

export const THEME_STORAGE_KEY = "prompt-portal.theme";
export const THEME_CHOICES = ["system", "light", "dark"] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

const listeners = new Set<() => void>();
/** The choice made in this tab when storage refused it; it wins until storage works again. */
let unsaved: ThemeChoice | undefined;

function isThemeChoice(value: unknown): value is ThemeChoice {
  return typeof value === "string" && (THEME_CHOICES as readonly string[]).includes(value);
}

export function readTheme(): ThemeChoice {
  if (unsaved !== undefined) return unsaved;
  try {
    const stored = window.localStorage.getItem(THEME_STORAGE_KEY);
    return isThemeChoice(stored) ? stored : "system";
  } catch {
    return "system";
  }
}

/** Put the choice on the page: `data-theme` for an explicit choice, none for "system". */
export function applyTheme(choice: ThemeChoice = readTheme()): void {
  const root = document.documentElement;
  if (choice === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", choice);
}

export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === "system") window.localStorage.removeItem(THEME_STORAGE_KEY);
    else window.localStorage.setItem(THEME_STORAGE_KEY, choice);
    unsaved = undefined;
  } catch {
    unsaved = choice;
  }
  applyTheme(choice);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  return subscribeToStorageKey(THEME_STORAGE_KEY, listeners, listener);
}

/**
 * Apply the saved choice now and follow changes made in other tabs. Call once at start,
 * before the first render, so the page never flashes the other theme.
 */
export function startThemeSync(): () => void {
  applyTheme();
  return subscribe(() => applyTheme());
}

/** `[choice, setChoice]` for the settings page. */
export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const choice = useSyncExternalStore(subscribe, readTheme, () => "system" as const);
  const set = useCallback((value: ThemeChoice) => setTheme(value), []);
  return [choice, set];
}

/** Whether the device asks for dark colours (for saying what "system" means right now). */
export function useSystemPrefersDark(): boolean {
  return useSyncExternalStore(subscribeToSystemScheme, systemPrefersDark, () => false);
}

const DARK_QUERY = "(prefers-color-scheme: dark)";

function systemPrefersDark(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia(DARK_QUERY).matches;
}

function subscribeToSystemScheme(listener: () => void): () => void {
  if (typeof window.matchMedia !== "function") return () => undefined;
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener("change", listener);
  return () => query.removeEventListener("change", listener);
}
