import { type RefObject, useCallback, useLayoutEffect, useRef, useState } from "react";
import { distanceFromBottom, NEAR_BOTTOM_PX, nextFollowing } from "../scroll-follow";

/**
 * Keep a scrolling element at its bottom while the reader is there (see scroll-follow.ts).
 * `content` changes whenever the text grows; `reset` changes when another chat is shown,
 * which starts following again.
 */
export function useScrollFollow(
  ref: RefObject<HTMLElement | null>,
  content: unknown,
  reset: unknown,
) {
  const [following, setFollowing] = useState(true);
  const [hasBelow, setHasBelow] = useState(false);
  const followingRef = useRef(true);
  const lastTop = useRef(0);

  const setFollow = useCallback((value: boolean) => {
    followingRef.current = value;
    setFollowing(value);
  }, []);

  const toBottom = useCallback(() => {
    const element = ref.current;
    if (!element) return;
    element.scrollTop = element.scrollHeight;
    lastTop.current = element.scrollTop;
    setHasBelow(false);
  }, [ref]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: another chat starts at its end
  useLayoutEffect(() => {
    setFollow(true);
    toBottom();
  }, [reset]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs for every new piece of text
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    if (followingRef.current) toBottom();
    else setHasBelow(distanceFromBottom(element) > NEAR_BOTTOM_PX);
  }, [content]);

  const onScroll = useCallback(() => {
    const element = ref.current;
    if (!element) return;
    const follow = nextFollowing(followingRef.current, lastTop.current, element);
    lastTop.current = element.scrollTop;
    if (follow !== followingRef.current) setFollow(follow);
    setHasBelow(distanceFromBottom(element) > NEAR_BOTTOM_PX);
  }, [ref, setFollow]);

  const jumpToLatest = useCallback(() => {
    setFollow(true);
    toBottom();
  }, [setFollow, toBottom]);

  return { following, showJump: !following && hasBelow, onScroll, jumpToLatest };
}
