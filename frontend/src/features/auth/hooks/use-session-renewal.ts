import { useEffect } from "react";
import { localTokenTimes } from "@/lib/jwt";
import { tokenStorage } from "@/lib/token-storage";
import { refreshToken } from "../api";
import { ACTIVITY_EVENTS, SessionRenewal } from "../session-renewal";

/** Keep the signed-in person signed in while they use the page (see session-renewal.ts). */
export function useSessionRenewal(): void {
  useEffect(() => {
    const renewal = new SessionRenewal({
      readToken: () => tokenStorage.get(),
      timesOf: (token) => localTokenTimes(token, tokenStorage.receivedAt()),
      subscribe: (listener) => tokenStorage.subscribe(listener),
      renew: refreshToken,
      expire: () => tokenStorage.clear("expired"),
    });
    const onActivity = () => renewal.noteActivity();
    const onVisible = () => {
      if (document.visibilityState === "visible") renewal.check();
    };
    for (const type of ACTIVITY_EVENTS) {
      window.addEventListener(type, onActivity, { capture: true, passive: true });
    }
    document.addEventListener("visibilitychange", onVisible);
    renewal.start();
    return () => {
      renewal.stop();
      for (const type of ACTIVITY_EVENTS) {
        window.removeEventListener(type, onActivity, { capture: true });
      }
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, []);
}
