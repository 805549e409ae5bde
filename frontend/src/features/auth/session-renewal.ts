/**
 * Staying signed in while the person is there. An access token lives for a fixed time (an hour
 * by default); shortly before it lapses, the token is renewed — but only when the person did
 * something in this tab (a key, a click, a tap, scrolling) since the token arrived. An idle tab
 * lets it lapse and then ends the session itself, so the login page shows at once, keeping the
 * place to come back to, instead of the next click failing.
 *
 * Tabs share the token (localStorage): a renewal in one tab reschedules the others.
 */
import { type TokenTimes, tokenTimes } from "@/lib/jwt";

export interface SessionRenewalOptions {
  readToken: () => string | null;
  /** When the token was issued and lapses, on this clock (default: its own claims). */
  timesOf?: (token: string | null) => TokenTimes | null;
  /** Called when the stored token changes (here or in another tab). */
  subscribe: (listener: () => void) => () => void;
  /** Ask the API for a new token and store it; rejects when that failed. */
  renew: () => Promise<void>;
  /** The token lapsed without a renewal. */
  expire: () => void;
  now?: () => number;
  /** Renew this long before expiry at most (a quarter of a shorter lifetime). */
  leadMs?: number;
  /** After a failed renewal (offline, server error), try again this much later. */
  retryMs?: number;
}

export const RENEW_LEAD_MS = 5 * 60_000;
export const RENEW_RETRY_MS = 30_000;
/** setTimeout's largest delay; longer waits are re-armed. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export const ACTIVITY_EVENTS = ["pointerdown", "keydown", "wheel", "touchstart", "input"] as const;

export class SessionRenewal {
  private readonly now: () => number;
  private readonly leadMs: number;
  private readonly retryMs: number;
  private token: string | null = null;
  private times: TokenTimes | null = null;
  /** When this tab first saw the current token: activity must come after it. */
  private seenAt = 0;
  private lastActivity = Number.NEGATIVE_INFINITY;
  private renewing = false;
  /** A token the API could not extend (the sign-in reached its maximum age): let it lapse. */
  private finalToken: string | null = null;
  private retryAt = 0;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private unsubscribe: (() => void) | undefined;
  /** Set by `stop()`: a renewal answering later changes nothing here. */
  private stopped = false;

  constructor(private readonly options: SessionRenewalOptions) {
    this.now = options.now ?? (() => Date.now());
    this.leadMs = options.leadMs ?? RENEW_LEAD_MS;
    this.retryMs = options.retryMs ?? RENEW_RETRY_MS;
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.options.subscribe(() => this.sync());
    this.sync();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.clearTimers();
  }

  /** The person did something in this tab. */
  noteActivity(): void {
    this.lastActivity = this.now();
    if (this.times && this.lastActivity >= this.renewAt(this.times)) this.check();
  }

  /** Timers may fire late (a sleeping laptop, a background tab): look again now. */
  check(): void {
    if (this.stopped) return;
    const times = this.times;
    if (!times || this.token !== this.options.readToken()) {
      this.sync();
      return;
    }
    const now = this.now();
    if (now >= times.expiresAt) {
      this.clearTimers();
      this.options.expire();
      return;
    }
    const due = now >= this.renewAt(times) && now >= this.retryAt;
    const renewable = !this.renewing && this.token !== this.finalToken;
    if (due && renewable && this.lastActivity >= this.seenAt) this.renew(times);
  }

  private renewAt(times: TokenTimes): number {
    const lifetime =
      times.issuedAt === null ? Number.POSITIVE_INFINITY : times.expiresAt - times.issuedAt;
    return times.expiresAt - Math.min(this.leadMs, lifetime / 4);
  }

  private renew(before: TokenTimes): void {
    this.renewing = true;
    this.options.renew().then(
      () => {
        this.renewing = false;
        if (this.stopped) return;
        this.retryAt = 0;
        // Near the end of a sign-in a renewal cannot reach further: stop asking.
        const after = this.times;
        if (after && after.expiresAt < before.expiresAt + this.retryMs)
          this.finalToken = this.token;
        // The new token arrives through `subscribe`; if the API gave the same one, look again.
        this.check();
      },
      () => {
        this.renewing = false;
        if (this.stopped) return;
        this.retryAt = this.now() + this.retryMs;
        this.arm(this.retryAt);
      },
    );
  }

  private sync(): void {
    const token = this.options.readToken();
    if (token === this.token && this.times) return;
    this.token = token;
    this.times = (this.options.timesOf ?? tokenTimes)(token);
    this.seenAt = this.now();
    this.retryAt = 0;
    this.clearTimers();
    if (!this.times) return;
    this.arm(this.renewAt(this.times));
    this.arm(this.times.expiresAt);
  }

  private arm(at: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, at - this.now());
    const timer = setTimeout(
      () => {
        this.timers = this.timers.filter((t) => t !== timer);
        if (delay > MAX_DELAY_MS) this.arm(at);
        else this.check();
      },
      Math.min(delay, MAX_DELAY_MS),
    );
    this.timers.push(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}
