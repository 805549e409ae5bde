import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { emailRule, passwordRule } from "@/lib/form-rules";
import { plainErrorMessage, useFormErrors } from "@/lib/use-form-errors";
import { useLogin } from "../api";

interface LoginFormProps {
  onSuccess: () => void;
}

const RULES = { email: emailRule, password: passwordRule };

export function LoginForm({ onSuccess }: LoginFormProps) {
  const [values, setValues] = useState({ email: "", password: "" });
  const form = useFormErrors<keyof typeof RULES>(RULES);
  const login = useLogin();

  const change = (field: keyof typeof RULES, value: string) => {
    const next = { ...values, [field]: value };
    setValues(next);
    form.recheck(next);
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!form.validate(values)) return;
    login.mutate(
      { email: values.email.trim(), password: values.password },
      { onSuccess, onError: (error) => form.showServerErrors(error) },
    );
  };

  const fieldErrorShown = Object.keys(form.errors).length > 0;
  return (
    <form ref={form.formRef} className="form" onSubmit={submit} aria-label="Log in" noValidate>
      {login.error && !fieldErrorShown ? <Alert>{plainErrorMessage(login.error)}</Alert> : null}
      <TextField
        label="Email"
        type="email"
        name="email"
        autoComplete="username"
        required
        value={values.email}
        error={form.errors.email}
        onChange={(event) => change("email", event.target.value)}
      />
      <TextField
        label="Password"
        type="password"
        name="password"
        autoComplete="current-password"
        required
        value={values.password}
        error={form.errors.password}
        onChange={(event) => change("password", event.target.value)}
      />
      <Button type="submit" busy={login.isPending}>
        {login.isPending ? "Logging in…" : "Log in"}
      </Button>
    </form>
  );
}
