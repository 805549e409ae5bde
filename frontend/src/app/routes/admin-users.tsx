import { Alert } from "@/components/ui/alert";
import { UsersPanel } from "@/features/admin/components/users-panel";
import { useMe } from "@/features/auth/api";
import { NotAllowedPage } from "./not-allowed";

/** Account administration; anyone but an admin is told plainly that it is not for them. */
export function AdminUsersPage() {
  const me = useMe();
  if (me.isPending) {
    return (
      <main className="page" id="main">
        <p className="muted">Loading…</p>
      </main>
    );
  }
  if (me.isError) {
    return (
      <main className="page" id="main">
        <Alert>{me.error.message}</Alert>
      </main>
    );
  }
  if (me.data.role !== "admin") return <NotAllowedPage title="The users page" />;
  return (
    <main className="page" id="main">
      <h1>Users</h1>
      <p className="lead">
        Change roles, disable accounts, or set a temporary password for someone locked out.
      </p>
      <UsersPanel selfId={me.data.id} />
    </main>
  );
}
