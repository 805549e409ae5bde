/**
 * The sidebar's date groups: Today, Yesterday, Previous 7 days, Older, by the reader's own
 * calendar (local midnight), from each session's last activity. Pure, so it is tested alone.
 */
export const DATE_GROUPS = ["Today", "Yesterday", "Previous 7 days", "Older"] as const;
export type DateGroup = (typeof DATE_GROUPS)[number];

export interface SessionGroup<T> {
  label: DateGroup;
  sessions: T[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Which group a moment falls in, seen from `now`; the future counts as today. */
export function dateGroup(value: string, now: Date): DateGroup {
  const time = new Date(value).getTime();
  const today = startOfDay(now);
  if (Number.isNaN(time) || time >= today) return "Today";
  const yesterday = startOfDay(new Date(today - DAY_MS / 2));
  if (time >= yesterday) return "Yesterday";
  if (time >= today - 7 * DAY_MS) return "Previous 7 days";
  return "Older";
}

/** The non-empty groups in calendar order; each keeps the order it was given (newest first). */
export function groupSessions<T extends { updated_at: string }>(
  sessions: readonly T[],
  now: Date = new Date(),
): SessionGroup<T>[] {
  const byGroup = new Map<DateGroup, T[]>(DATE_GROUPS.map((label) => [label, []]));
  for (const session of sessions) byGroup.get(dateGroup(session.updated_at, now))?.push(session);
  return DATE_GROUPS.map((label) => ({ label, sessions: byGroup.get(label) ?? [] })).filter(
    (group) => group.sessions.length > 0,
  );
}
