import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { displayNameRule, emailRule, newPasswordRule, PASSWORD_HINT } from "@/lib/form-rules";
import { plainErrorMessage, useFormErrors } from "@/lib/use-form-errors";
import { type Registered, useRegister } from "../api";

interface RegisterFormProps {
  /** The account exists (and, unless `loggedIn` is false, this browser is logged in). */
  onSuccess: (result: Registered) => void;
}

const RULES = { email: emailRule, password: newPasswordRule, display_name: displayNameRule };
type Field = keyof typeof RULES;

export function RegisterForm({ onSuccess }: RegisterFormProps) {
  const [values, setValues] = useState<Record<Field, string>>({
    email: "",
    password: "",
    display_name: "",
  });
  const form = useFormErrors<Field>(RULES);
  const register = useRegister();

  const change = (field: Field, value: string) => {
    const next = { ...values, [field]: value };
    setValues(next);
    form.recheck(next);
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!form.validate(values)) return;
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
        name="email"
        autoComplete="email"
        required
        value={values.email}
        error={form.errors.email}
        onChange={(event) => change("email", event.target.value)}
      />
      <TextField
        label="Password"
        type="password"
        name="password"
        autoComplete="new-password"
        required
        hint={PASSWORD_HINT}
        value={values.password}
        error={form.errors.password}
        onChange={(event) => change("password", event.target.value)}
      />
      <TextField
        label="Display name (optional)"
        name="display_name"
        autoComplete="nickname"
        value={values.display_name}
        error={form.errors.display_name}
        onChange={(event) => change("display_name", event.target.value)}
      />
      <Button type="submit" busy={register.isPending}>
        {register.isPending ? "Creating account…" : "Create account"}
      </Button>
    </form>
  );
}
