import { describe, expect, it } from "vitest";
import { distanceFromBottom, isNearBottom, NEAR_BOTTOM_PX, nextFollowing } from "../scroll-follow";

const view = (scrollTop: number, scrollHeight = 2000, clientHeight = 500) => ({
  scrollTop,
  scrollHeight,
  clientHeight,
});

describe("scroll follow", () => {
  it("measures the distance to the bottom", () => {
    expect(distanceFromBottom(view(1500))).toBe(0);
    expect(distanceFromBottom(view(1000))).toBe(500);
    expect(isNearBottom(view(1500 - NEAR_BOTTOM_PX))).toBe(true);
    expect(isNearBottom(view(1500 - NEAR_BOTTOM_PX - 1))).toBe(false);
  });

  it("stops following when the reader scrolls up away from the bottom", () => {
    expect(nextFollowing(true, 1500, view(1200))).toBe(false);
  });

  it("keeps following for a small nudge near the bottom", () => {
    expect(nextFollowing(true, 1500, view(1480))).toBe(true);
  });

  it("does not follow again until the reader is back at the bottom", () => {
    expect(nextFollowing(false, 1200, view(1300))).toBe(false);
    expect(nextFollowing(false, 1300, view(1490))).toBe(true);
  });

  it("text arriving below (taller content, same position) changes nothing", () => {
    // Following: the view was at the bottom, then the content grew before it caught up.
    expect(nextFollowing(true, 1500, view(1500, 2400))).toBe(true);
    // Reading above: the content grows, the reader stays where they are.
    expect(nextFollowing(false, 800, view(800, 2400))).toBe(false);
  });
});
