/**
 * The one place that knows how to talk to the backend: base URL, bearer token and what a
 * 401 means. The generated client picks this up through `createClientConfig`
 * (see openapi-ts.config.ts), and `sse.ts` uses `apiFetch` directly.
 */
import { env } from "@/config/env";
import { tokenStorage } from "@/lib/token-storage";
import type { CreateClientConfig } from "./client/client.gen";

/** The backend's error shape: `{error, timestamp, code?, details?}`. */
export interface ErrorBody {
  error: string;
  timestamp: number;
  code?: string;
  details?: unknown;
}

export interface FieldError {
  field: string;
  message: string;
}

/** A failed API call, with the server's message ready to show to a person. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly details: unknown;

  constructor(status: number, body: Partial<ErrorBody> | undefined, fallback: string) {
    super(body?.error ?? fallback);
    this.name = "ApiError";
    this.status = status;
    this.code = body?.code;
    this.details = body?.details;
  }

  /** Validation errors from a 400 as `{field: message}` (first message per field). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (!Array.isArray(this.details)) return out;
    for (const item of this.details as unknown[]) {
      if (isFieldError(item) && !(item.field in out)) out[item.field] = item.message;
    }
    return out;
  }
}

function isFieldError(value: unknown): value is FieldError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as FieldError).field === "string" &&
    typeof (value as FieldError).message === "string"
  );
}

export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === "object" && value !== null && typeof (value as ErrorBody).error === "string"
  );
}

type UnauthorizedHandler = () => void;
let unauthorizedHandler: UnauthorizedHandler = () => {
  if (window.location.pathname !== "/login") window.location.assign("/login");
};

/** The app layer installs a router-aware handler (clear caches, navigate to /login). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  unauthorizedHandler = handler;
}

/** The 403 code of every call but /me, refresh and logout while a new password is due. */
export const PASSWORD_CHANGE_REQUIRED = "password_change_required";

let passwordChangeHandler: () => void = () => undefined;

/** The app layer sends the person to their account page to set a new password. */
export function setPasswordChangeHandler(handler: () => void): void {
  passwordChangeHandler = handler;
}

/** While > 0, a 401 is reported to the caller only (see {@link withSessionHeld}). */
let held = 0;

/**
 * Run `work` (e.g. a password change followed by a fresh login) without letting a 401 end the
 * session: the old token dies on purpose before the new one arrives, and a background call
 * caught in between must not log the person out.
 */
export async function withSessionHeld<T>(work: () => Promise<T>): Promise<T> {
  held += 1;
  try {
    return await work();
  } finally {
    held -= 1;
  }
}

function notePasswordChangeRequired(response: Response): void {
  response
    .clone()
    .json()
    .then(
      (body: unknown) => {
        if (isErrorBody(body) && body.code === PASSWORD_CHANGE_REQUIRED) passwordChangeHandler();
      },
      () => undefined,
    );
}

export function apiUrl(path: string): string {
  return `${env.VITE_API_BASE_URL}${path}`;
}

/** Where a 401 means "wrong credentials", not "your session is over". */
const CREDENTIAL_PATHS = ["/api/auth/login", "/api/auth/register"];

function isCredentialRequest(request: Request): boolean {
  const { pathname } = new URL(request.url);
  return CREDENTIAL_PATHS.some((path) => pathname.endsWith(path));
}

/**
 * `fetch` with the stored bearer token. A 401 (outside login/registration) means there is no
 * valid session (expired, revoked or never there): forget the token and send the person to log
 * in. A late 401 for an older token is ignored once a newer token (a fresh login) is stored.
 */
export async function apiFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const token = tokenStorage.get();
  if (token && !request.headers.has("Authorization")) {
    request.headers.set("Authorization", `Bearer ${token}`);
  }
  const response = await fetch(request);
  if (response.status === 403) notePasswordChangeRequired(response);
  if (response.status === 401 && held === 0 && !isCredentialRequest(request)) {
    const current = tokenStorage.get();
    if (current === null || current === token) {
      if (current !== null) tokenStorage.clear();
      unauthorizedHandler();
    }
  }
  return response;
}

/** Read by the generated client when it is created. */
export const createClientConfig: CreateClientConfig = (config) => ({
  ...config,
  baseUrl: env.VITE_API_BASE_URL,
  fetch: apiFetch,
});

function isAbortError(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { name?: unknown }).name === "AbortError"
  );
}

export const NETWORK_ERROR = "Cannot reach the server. Check your connection and try again.";

interface ClientResult<TData> {
  data?: TData;
  error?: unknown;
  response?: Response;
}

/**
 * Turn the generated client's `{data, error, response}` into data or a thrown `ApiError`,
 * which is what TanStack Query wants from a query or mutation function.
 */
export async function unwrap<TData>(call: Promise<ClientResult<TData>>): Promise<TData> {
  let result: ClientResult<TData>;
  try {
    result = await call;
  } catch (cause) {
    if (isAbortError(cause)) throw cause;
    throw new ApiError(0, undefined, NETWORK_ERROR);
  }
  if (!result.response) {
    // The client reports a failed fetch as an error without a response: an abort (the caller
    // cancelled, e.g. a query that is no longer needed) stays an abort; anything else
    // (offline, DNS, CORS) is a network failure.
    if (isAbortError(result.error)) throw result.error;
    throw new ApiError(0, undefined, NETWORK_ERROR);
  }
  const status = result.response.status;
  if (result.error !== undefined || !result.response.ok) {
    const body = isErrorBody(result.error) ? result.error : undefined;
    throw new ApiError(status, body, `Request failed (HTTP ${status})`);
  }
  return result.data as TData;
}
