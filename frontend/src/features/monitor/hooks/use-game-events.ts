import { useCallback, useEffect, useRef, useState } from "react";
import { type FeedState, type GameEvent, watchGameEvents } from "../events";
import { addEvent, eventId, type TimelineEntry } from "../timeline";

const SEEN_LIMIT = 1000;

export type WatchState = FeedState | { status: "idle" };

export interface UseGameEventsOptions {
  /** Each new event, after it joined the timeline (e.g. to refresh the results list). */
  onEvent?: (event: GameEvent) => void;
  /** Passed through to {@link watchGameEvents} (tests make the waits short). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * The live timeline of one session: follows its feed while `project` and `sessionId` are set,
 * starts afresh when either changes, and drops repeats (a reconnected feed replays recent
 * events).
 */
export function useGameEvents(
  project: string | undefined,
  sessionId: string | undefined,
  { onEvent, sleep }: UseGameEventsOptions = {},
) {
  const [entries, setEntries] = useState<TimelineEntry[]>([]);
  const [state, setState] = useState<WatchState>({ status: "idle" });
  const seen = useRef(new Set<string>());
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    seen.current = new Set();
    setEntries([]);
    if (!project || !sessionId) {
      setState({ status: "idle" });
      return;
    }
    const controller = new AbortController();
    void watchGameEvents(project, sessionId, {
      signal: controller.signal,
      sleep,
      onState: (next) => {
        if (!controller.signal.aborted) setState(next);
      },
      onEvent: (event) => {
        if (controller.signal.aborted) return;
        const id = eventId(event);
        if (seen.current.has(id)) return;
        seen.current.add(id);
        // Only recent events are replayed: the ids of old ones need not be kept.
        if (seen.current.size > SEEN_LIMIT) {
          const oldest = seen.current.values().next().value;
          if (oldest !== undefined) seen.current.delete(oldest);
        }
        setEntries((current) => addEvent(current, event));
        onEventRef.current?.(event);
      },
    });
    return () => controller.abort();
  }, [project, sessionId, sleep]);

  const clear = useCallback(() => setEntries([]), []);
  return { entries, state, clear };
}
