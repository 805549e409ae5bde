import { type FormEvent, useState } from "react";
import type { UserRead } from "@/api/client";
import { ApiError } from "@/api/http";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { useRegister } from "../api";

const PASSWORD_MIN = 8;

interface RegisterFormProps {
  onSuccess: (user: UserRead) => void;
}

export function RegisterForm({ onSuccess }: RegisterFormProps) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const register = useRegister();

  const fieldErrors = register.error instanceof ApiError ? register.error.fieldErrors() : {};
  const hasFieldErrors = Object.keys(fieldErrors).length > 0;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = displayName.trim();
    register.mutate(
      { email: email.trim(), password, ...(name ? { display_name: name } : {}) },
      { onSuccess },
    );
  };

  return (
    <form className="form" onSubmit={submit} aria-label="Create account" noValidate>
      {register.error && !hasFieldErrors ? <Alert>{register.error.message}</Alert> : null}
      {hasFieldErrors ? <Alert>Please correct the highlighted fields.</Alert> : null}
      <TextField
        label="Email"
        type="email"
        name="email"
        autoComplete="email"
        required
        value={email}
        error={fieldErrors.email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <TextField
        label="Password"
        type="password"
        name="password"
        autoComplete="new-password"
        required
        minLength={PASSWORD_MIN}
        hint={`At least ${PASSWORD_MIN} characters, mixing letters with digits or symbols.`}
        value={password}
        error={fieldErrors.password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <TextField
        label="Display name"
        name="display_name"
        autoComplete="nickname"
        value={displayName}
        error={fieldErrors.display_name}
        onChange={(event) => setDisplayName(event.target.value)}
      />
      <Button type="submit" busy={register.isPending} disabled={!email || !password}>
        {register.isPending ? "Creating account…" : "Create account"}
      </Button>
    </form>
  );
}
