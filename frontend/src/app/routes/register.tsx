import { Link, useNavigate } from "@tanstack/react-router";
import { RegisterForm } from "@/features/auth/components/register-form";
import { AuthShell } from "./auth-shell";

export function RegisterPage() {
  const navigate = useNavigate();
  return (
    <AuthShell title="Create an account">
      <RegisterForm
        onSuccess={({ loggedIn }) =>
          loggedIn
            ? void navigate({ to: "/" })
            : void navigate({ to: "/login", search: { registered: true } })
        }
      />
      <p className="muted">
        Already registered? <Link to="/login">Log in</Link>
      </p>
    </AuthShell>
  );
}
