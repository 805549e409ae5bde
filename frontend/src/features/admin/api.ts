/** Account administration (admins only): the list, role, enable/disable, temporary passwords. */
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  type TemporaryPasswordRead,
  type UserAdminUpdate,
  type UserRead,
  UsersService,
} from "@/api/client";
import { unwrap } from "@/api/http";

/** An account as the admin list shows it. */
export type AdminUser = UserRead;
export type TemporaryPassword = TemporaryPasswordRead;

export const adminKeys = {
  all: ["admin"] as const,
  users: () => [...adminKeys.all, "users"] as const,
};

export const usersQueryOptions = () =>
  queryOptions({
    queryKey: adminKeys.users(),
    queryFn: ({ signal }): Promise<AdminUser[]> => unwrap(UsersService.listUsers({ signal })),
  });

export function useUsers() {
  return useQuery(usersQueryOptions());
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({
      userId,
      change,
    }: {
      userId: number;
      change: UserAdminUpdate;
    }): Promise<AdminUser> =>
      unwrap(UsersService.updateUser({ path: { user_id: userId }, body: change })),
    onSuccess: (user) =>
      queryClient.setQueryData<AdminUser[]>(adminKeys.users(), (users) =>
        users?.map((u) => (u.id === user.id ? user : u)),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminKeys.users() }),
  });
}

/**
 * A generated password the person must replace at their next login; it signs them out
 * everywhere. The answer is the only time it is visible.
 */
export function setTemporaryPassword(userId: number): Promise<TemporaryPassword> {
  return unwrap(UsersService.createTemporaryPassword({ path: { user_id: userId } }));
}

export function useSetTemporaryPassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setTemporaryPassword,
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminKeys.users() }),
  });
}
