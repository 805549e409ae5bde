import { useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/lib/format";
import { useCopyToClipboard } from "@/lib/use-copy-to-clipboard";
import { plainErrorMessage } from "@/lib/use-form-errors";
import {
  type AdminUser,
  type TemporaryPassword,
  useSetTemporaryPassword,
  useUpdateUser,
  useUsers,
} from "../api";

/** Every account, with its role, whether it may sign in, and a password reset. */
export function UsersPanel({ selfId }: { selfId: number }) {
  const users = useUsers();
  if (users.isPending) return <p className="muted">Loading accounts…</p>;
  if (users.isError) return <Alert>{plainErrorMessage(users.error)}</Alert>;
  return (
    <table className="table table-cards users-table">
      <caption className="visually-hidden">Accounts</caption>
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Role</th>
          <th scope="col">Status</th>
          <th scope="col">Member since</th>
          <th scope="col">
            <span className="visually-hidden">Password</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {users.data.map((user) => (
          <UserRow key={user.id} user={user} self={user.id === selfId} />
        ))}
      </tbody>
    </table>
  );
}

function displayName(user: AdminUser): string {
  return user.display_name || user.email;
}

function UserRow({ user, self }: { user: AdminUser; self: boolean }) {
  const update = useUpdateUser();
  const roleId = useId();
  const name = displayName(user);
  return (
    <tr className={user.is_active ? undefined : "row-muted"}>
      <th scope="row" className="card-title">
        <span className="user-name">
          {name}
          {self ? <span className="tag">you</span> : null}
        </span>
        {user.display_name ? <span className="user-email">{user.email}</span> : null}
        {user.must_change_password ? (
          <span className="tag tag-warn">must set a new password</span>
        ) : null}
      </th>
      <td data-label="Role">
        <label htmlFor={roleId} className="visually-hidden">
          Role of {name}
        </label>
        <select
          id={roleId}
          className="select-compact"
          value={user.role}
          disabled={update.isPending}
          onChange={(event) =>
            update.mutate({ userId: user.id, change: { role: event.target.value } })
          }
        >
          <option value="user">user</option>
          <option value="admin">admin</option>
        </select>
      </td>
      <td data-label="Status">
        <span className="status-cell">
          <span className={user.is_active ? "tag tag-success" : "tag tag-danger"}>
            {user.is_active ? "active" : "disabled"}
          </span>
          <Button
            variant="secondary"
            busy={update.isPending}
            aria-label={`${user.is_active ? "Disable" : "Enable"} ${name}`}
            onClick={() =>
              update.mutate({ userId: user.id, change: { is_active: !user.is_active } })
            }
          >
            {user.is_active ? "Disable" : "Enable"}
          </Button>
        </span>
        {update.error ? (
          <p className="field-error" role="alert">
            {plainErrorMessage(update.error)}
          </p>
        ) : null}
      </td>
      <td data-label="Member since">{formatDateTime(user.created_at)}</td>
      <td className="actions">
        {self ? (
          <span className="muted">Your own password: change it on the Account page.</span>
        ) : (
          <TemporaryPasswordAction user={user} name={name} />
        )}
      </td>
    </tr>
  );
}

/** Reset in two steps (it signs the person out everywhere), then show the password once. */
function TemporaryPasswordAction({ user, name }: { user: AdminUser; name: string }) {
  const [confirming, setConfirming] = useState(false);
  const reset = useSetTemporaryPassword();
  if (reset.data) {
    return <TemporaryPasswordNotice name={name} result={reset.data} onDone={() => reset.reset()} />;
  }
  if (!confirming) {
    return (
      <Button
        variant="secondary"
        aria-label={`Set a temporary password for ${name}`}
        onClick={() => setConfirming(true)}
      >
        Set temporary password
      </Button>
    );
  }
  return (
    <fieldset className="confirm">
      <legend className="visually-hidden">Confirm the temporary password for {name}</legend>
      <p>{name} will be logged out everywhere and must choose a new password at the next login.</p>
      <div className="button-row">
        <Button
          variant="danger"
          busy={reset.isPending}
          onClick={() => reset.mutate(user.id, { onSuccess: () => setConfirming(false) })}
        >
          Set password
        </Button>
        <Button variant="ghost" onClick={() => setConfirming(false)}>
          Cancel
        </Button>
      </div>
      {reset.error ? (
        <p className="field-error" role="alert">
          {plainErrorMessage(reset.error)}
        </p>
      ) : null}
    </fieldset>
  );
}

function TemporaryPasswordNotice({
  name,
  result,
  onDone,
}: {
  name: string;
  result: TemporaryPassword;
  onDone: () => void;
}) {
  const { copied, copy } = useCopyToClipboard();
  return (
    <div className="new-key" role="status">
      <p>
        <strong>Temporary password for {name}.</strong> Give it to them now — it will not be shown
        again.
      </p>
      <div className="new-key-row">
        <input
          className="mono"
          readOnly
          aria-label={`Temporary password for ${name}`}
          value={result.temporary_password}
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button variant="secondary" onClick={() => copy(result.temporary_password)}>
          {copied ? "Copied" : "Copy"}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
