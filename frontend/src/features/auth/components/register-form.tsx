import type { FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { displayNameRule, emailRule, newPasswordRule, PASSWORD_HINT } from "@/lib/form-rules";
import { plainErrorMessage, useFormFields } from "@/lib/use-form-errors";
import { type Registered, useRegister } from "../api";

interface RegisterFormProps {
  /** The account exists (and, unless `loggedIn` is false, this browser is logged in). */
  onSuccess: (result: Registered) => void;
}

const RULES = { email: emailRule, password: newPasswordRule, display_name: displayNameRule };

export function RegisterForm({ onSuccess }: RegisterFormProps) {
  const form = useFormFields(RULES, { email: "", password: "", display_name: "" });
  const { values } = form;
  const register = useRegister();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!form.check()) return;
    const name = values.display_name.trim();
    register.mutate(
      {
        email: values.email.trim(),
        password: values.password,
        ...(name ? { display_name: name } : {}),
      },
      { onSuccess, onError: (error) => form.showServerErrors(error) },
    );
  };

  const fieldErrorShown = Object.keys(form.errors).length > 0;
  return (
    <form
      ref={form.formRef}
      className="form"
      onSubmit={submit}
      aria-label="Create account"
      noValidate
    >
      {register.error && !fieldErrorShown ? (
        <Alert>{plainErrorMessage(register.error)}</Alert>
      ) : null}
      <TextField
        label="Email"
        type="email"
        autoComplete="email"
        required
        {...form.field("email")}
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        hint={PASSWORD_HINT}
        {...form.field("password")}
      />
      <TextField
        label="Display name (optional)"
        autoComplete="nickname"
        {...form.field("display_name")}
      />
      <Button type="submit" busy={register.isPending}>
        {register.isPending ? "Creating account…" : "Create account"}
      </Button>
    </form>
  );
}
