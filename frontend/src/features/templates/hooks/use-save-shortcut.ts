import { useEffect, useRef } from "react";

/**
 * Ctrl-S (Cmd-S on a Mac) anywhere on the page runs `save` instead of the browser's "Save page
 * as…". The latest `save` is used, so the caller need not memoise it.
 */
export function useSaveShortcut(save: () => void, enabled = true): void {
  const latest = useRef(save);
  latest.current = save;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== "s") {
        return;
      }
      event.preventDefault();
      latest.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [enabled]);
}
