import { Link, useNavigate, useRouter, useSearch } from "@tanstack/react-router";
import { Alert } from "@/components/ui/alert";
import { LoginForm } from "@/features/auth/components/login-form";
import { AuthShell } from "./auth-shell";

export function LoginPage() {
  const search = useSearch({ from: "/login" });
  const navigate = useNavigate();
  const router = useRouter();

  const onSuccess = () => {
    if (search.redirect) router.history.push(search.redirect);
    else void navigate({ to: "/" });
  };

  return (
    <AuthShell title="Log in">
      {search.registered ? (
        <Alert tone="success">Your account is ready. Log in to continue.</Alert>
      ) : null}
      {search.expired && !search.registered ? (
        <Alert tone="info">
          Your session has ended. Log in again to continue where you left off.
        </Alert>
      ) : null}
      <LoginForm onSuccess={onSuccess} />
      <p className="muted">
        New here? <Link to="/register">Create an account</Link>
      </p>
    </AuthShell>
  );
}
