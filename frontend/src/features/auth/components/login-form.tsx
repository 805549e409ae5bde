import type { FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { emailRule, passwordRule } from "@/lib/form-rules";
import { plainErrorMessage, useFormFields } from "@/lib/use-form-errors";
import { useLogin } from "../api";

interface LoginFormProps {
  onSuccess: () => void;
}

const RULES = { email: emailRule, password: passwordRule };

export function LoginForm({ onSuccess }: LoginFormProps) {
  const form = useFormFields(RULES, { email: "", password: "" });
  const { values } = form;
  const login = useLogin();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!form.check()) return;
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
        autoComplete="username"
        required
        {...form.field("email")}
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        {...form.field("password")}
      />
      <Button type="submit" busy={login.isPending}>
        {login.isPending ? "Logging in…" : "Log in"}
      </Button>
    </form>
  );
}
