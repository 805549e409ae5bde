/**
 * Subscribe to one localStorage key: `listeners` are notified by this tab's own writer, and the
 * `storage` event reports writes from other tabs (`key === null` means storage was cleared).
 */
export function subscribeToStorageKey(
  key: string,
  listeners: Set<() => void>,
  listener: () => void,
): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent) => {
    if (event.key === null || event.key === key) listener();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}
