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
import { unwrap, withSessionHeld } from "@/api/http";
import { tokenStorage } from "@/lib/token-storage";

export interface LoginCredentials {
  email: string;
  password: string;
}

/** The signed-in account; `must_change_password` is set after an admin reset the password. */
export type Me = UserRead;

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

export interface Registered {
  user: UserRead;
  /** False when the account exists but the login after it failed (e.g. too many attempts). */
  loggedIn: boolean;
}

/** Create the account, then log straight in with the same credentials. */
export function useRegister() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (data: UserCreate): Promise<Registered> => {
      const user = await unwrap(AuthService.registerUser({ body: data }));
      const loggedIn = await loginUser({ email: data.email, password: data.password }).then(
        () => true,
        () => false,
      );
      return { user, loggedIn };
    },
    onSuccess: () => queryClient.removeQueries({ queryKey: authKeys.all }),
  });
}

/**
 * A fresh access token for this sign-in (the old one keeps working until it lapses). A 401
 * means the sign-in is over (too old, logged out, password changed): `apiFetch` then ends the
 * session as for any other call.
 */
export async function refreshToken(): Promise<void> {
  const sent = tokenStorage.get();
  const token = await unwrap(
    AuthService.refreshAccessToken(
      sent ? { headers: { Authorization: `Bearer ${sent}` } } : undefined,
    ),
  );
  // A logout or a new sign-in (after a password change) while this was on its way wins: the
  // renewed token belongs to a sign-in that is over.
  if (tokenStorage.get() === sent) tokenStorage.set(token.access_token);
}

/**
 * End this sign-in on the server (its token and every renewal stop working), then forget it
 * here. The local part happens whatever the server says: logging out never fails.
 */
export async function logOut(queryClient: QueryClient): Promise<void> {
  const token = tokenStorage.get();
  if (token) {
    const call = AuthService.logoutUser({ headers: { Authorization: `Bearer ${token}` } });
    await withSessionHeld(() => unwrap(call)).catch(() => undefined);
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
        try {
          await loginUser({ email, password: newPassword });
        } catch {
          // Changed, but the new login failed (e.g. too many attempts): the old token is dead,
          // so end the session; the login page keeps this page as where to come back to.
          tokenStorage.clear("expired");
        }
        return me;
      }),
    onSuccess: (me) => queryClient.setQueryData(authKeys.me(), me),
  });
}
