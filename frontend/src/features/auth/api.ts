/**
 * Accounts: login, sign-up, renewal, logout, the current user and their own changes (name,
 * password), over the generated client.
 */
import {
  type QueryClient,
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { AuthService, type TokenRead, type UserCreate, type UserRead } from "@/api/client";
import { resetCompletionBackoff } from "@/api/completion";
import { ApiError, apiFetch, apiUrl, isErrorBody, unwrap, withSessionHeld } from "@/api/http";
import { tokenStorage } from "@/lib/token-storage";

export interface LoginCredentials {
  email: string;
  password: string;
}

/** The signed-in account; `must_change_password` is set after an admin reset the password. */
export type Me = UserRead & { must_change_password?: boolean };

export const authKeys = {
  all: ["auth"] as const,
  me: () => [...authKeys.all, "me"] as const,
};

export const meQueryOptions = () =>
  queryOptions({
    queryKey: authKeys.me(),
    queryFn: ({ signal }): Promise<Me> => unwrap(AuthService.readMe({ signal })),
    staleTime: 5 * 60_000,
  });

export function useMe() {
  return useQuery(meQueryOptions());
}

function storeToken(token: TokenRead): void {
  tokenStorage.set(token.access_token);
  // A pause after a 429/503 belonged to the previous session (its rate limit), not this one.
  resetCompletionBackoff();
}

/** Exchange credentials for an access token and keep it for later requests. */
export async function loginUser(credentials: LoginCredentials): Promise<TokenRead> {
  const token = await unwrap(AuthService.loginUser({ body: credentials }));
  storeToken(token);
  return token;
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: loginUser,
    onSuccess: () => queryClient.removeQueries({ queryKey: authKeys.all }),
  });
}

/** Create the account, then log straight in with the same credentials. */
export function useRegister() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (data: UserCreate): Promise<UserRead> => {
      const user = await unwrap(AuthService.registerUser({ body: data }));
      await loginUser({ email: data.email, password: data.password });
      return user;
    },
    onSuccess: () => queryClient.removeQueries({ queryKey: authKeys.all }),
  });
}

/** POST a body-less auth call through the shared fetch; its JSON, or a thrown `ApiError`. */
async function postAuth<T>(path: string, token?: string): Promise<T | undefined> {
  const headers = token ? { Authorization: `Bearer ${token}` } : undefined;
  const response = await apiFetch(apiUrl(path), { method: "POST", headers });
  const body: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) {
    throw new ApiError(response.status, isErrorBody(body) ? body : undefined, `HTTP ${response.status}`);
  }
  return body as T | undefined;
}

/**
 * A fresh access token for this sign-in (the old one keeps working until it lapses). A 401
 * means the sign-in is over (too old, logged out, password changed): `apiFetch` then ends the
 * session as for any other call.
 */
export async function refreshToken(): Promise<void> {
  const token = await postAuth<TokenRead>("/api/auth/refresh");
  if (token?.access_token) tokenStorage.set(token.access_token);
}

/**
 * End this sign-in on the server (its token and every renewal stop working), then forget it
 * here. The local part happens whatever the server says: logging out never fails.
 */
export async function logOut(queryClient: QueryClient): Promise<void> {
  const token = tokenStorage.get();
  if (token) {
    await withSessionHeld(() => postAuth("/api/auth/logout", token)).catch(() => undefined);
  }
  tokenStorage.clear("logout");
  queryClient.clear();
}

export function useLogout() {
  const queryClient = useQueryClient();
  return () => logOut(queryClient);
}

export function useUpdateProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (displayName: string): Promise<Me> =>
      unwrap(AuthService.updateMe({ body: { display_name: displayName } })),
    onSuccess: (me) => queryClient.setQueryData(authKeys.me(), me),
  });
}

export interface PasswordChange {
  email: string;
  currentPassword: string;
  newPassword: string;
}

/**
 * Change the password, then log in again with the new one: the change retires every token of
 * the account, this tab's included, so the old token cannot be renewed.
 */
export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ email, currentPassword, newPassword }: PasswordChange): Promise<Me> =>
      withSessionHeld(async () => {
        const me: Me = await unwrap(
          AuthService.updateMe({
            body: { current_password: currentPassword, new_password: newPassword },
          }),
        );
        await loginUser({ email, password: newPassword });
        return me;
      }),
    onSuccess: (me) => queryClient.setQueryData(authKeys.me(), me),
  });
}
