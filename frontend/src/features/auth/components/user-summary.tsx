import { Alert } from "@/components/ui/alert";
import { formatDateTime } from "@/lib/format";
import { useMe } from "../api";

/** Who is signed in, for the dashboard. */
export function UserSummary() {
  const me = useMe();
  if (me.isPending) return <p className="muted">Loading your account…</p>;
  if (me.isError) return <Alert>{me.error.message}</Alert>;
  const user = me.data;
  return (
    <dl className="facts">
      <dt>Email</dt>
      <dd>{user.email}</dd>
      <dt>Display name</dt>
      <dd>{user.display_name || "—"}</dd>
      <dt>Role</dt>
      <dd>
        <span className="tag">{user.role}</span>
      </dd>
      <dt>Member since</dt>
      <dd>{formatDateTime(user.created_at)}</dd>
    </dl>
  );
}
