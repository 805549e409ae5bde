import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { useMe } from "@/features/auth/api";
import { PasswordForm } from "@/features/auth/components/password-form";
import { ProfileForm } from "@/features/auth/components/profile-form";

/** The signed-in person's own account: their name and their password. */
export function AccountPage() {
  const me = useMe();
  const mustChange = Boolean(me.data?.must_change_password);
  const cards = me.data
    ? [
        <Card key="profile" title="Profile">
          <ProfileForm key={me.data.id} me={me.data} />
        </Card>,
        <Card key="password" title="Password">
          <PasswordForm me={me.data} />
        </Card>,
      ]
    : [];
  return (
    <main className="page page-narrow" id="main">
      <h1>Account</h1>
      {me.data ? (
        <div className="stack">
          {mustChange ? (
            <Alert tone="info">
              An administrator set a temporary password for your account. Choose a new password to
              continue.
            </Alert>
          ) : null}
          {/* While a new password is due, that comes first (keyed: the forms keep their state). */}
          {mustChange ? cards.reverse() : cards}
        </div>
      ) : me.isError ? (
        <Alert>{me.error.message}</Alert>
      ) : (
        <p className="muted">Loading your account…</p>
      )}
    </main>
  );
}
