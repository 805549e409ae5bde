/**
 * When the conversation follows the stream. The reader decides: at (or near) the bottom the
 * view follows new text; any scroll upwards away from the bottom stops that, and only coming
 * back to the bottom (by scrolling or "Jump to latest") starts it again. Text arriving never
 * changes the decision: growing content does not move `scrollTop`, so it fires no scroll.
 */
export interface ScrollMetrics {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

/** How close to the bottom still counts as "at the bottom" (a line and a bit). */
export const NEAR_BOTTOM_PX = 48;

export function distanceFromBottom({ scrollTop, scrollHeight, clientHeight }: ScrollMetrics) {
  return Math.max(0, scrollHeight - clientHeight - scrollTop);
}

export function isNearBottom(metrics: ScrollMetrics): boolean {
  return distanceFromBottom(metrics) <= NEAR_BOTTOM_PX;
}

/**
 * Whether to follow after a scroll event: `previousTop` is where the view was before it. A
 * scroll that moved up and left the bottom is the reader's (the view never scrolls itself up).
 */
export function nextFollowing(following: boolean, previousTop: number, now: ScrollMetrics) {
  if (isNearBottom(now)) return true;
  if (now.scrollTop < previousTop) return false;
  return following;
}
