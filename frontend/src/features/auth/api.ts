/** Accounts: login, registration and the current user, over the generated client. */
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AuthService, type TokenRead, type UserCreate, type UserRead } from "@/api/client";
import { resetCompletionBackoff } from "@/api/completion";
import { unwrap } from "@/api/http";
import { tokenStorage } from "@/lib/token-storage";

export interface LoginCredentials {
  email: string;
  password: string;
}

export const authKeys = {
  all: ["auth"] as const,
  me: () => [...authKeys.all, "me"] as const,
};

export const meQueryOptions = () =>
  queryOptions({
    queryKey: authKeys.me(),
    queryFn: ({ signal }) => unwrap(AuthService.readMe({ signal })),
    staleTime: 5 * 60_000,
  });

export function useMe() {
  return useQuery(meQueryOptions());
}

/** Exchange credentials for an access token and keep it for later requests. */
export async function loginUser(credentials: LoginCredentials): Promise<TokenRead> {
  const token = await unwrap(AuthService.loginUser({ body: credentials }));
  tokenStorage.set(token.access_token);
  // A pause after a 429/503 belonged to the previous session (its rate limit), not this one.
  resetCompletionBackoff();
  return token;
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: loginUser,
    onSuccess: () => queryClient.removeQueries({ queryKey: authKeys.all }),
  });
}

export function useRegister() {
  return useMutation({
    mutationFn: (data: UserCreate): Promise<UserRead> =>
      unwrap(AuthService.registerUser({ body: data })),
  });
}

/** Forget the token and every cached answer that belonged to this user. */
export function useLogout() {
  const queryClient = useQueryClient();
  return () => {
    tokenStorage.clear();
    queryClient.clear();
  };
}
