import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { newPasswordRule, PASSWORD_HINT, passwordRule, type Rule } from "@/lib/form-rules";
import { plainErrorMessage, useFormErrors } from "@/lib/use-form-errors";
import { type Me, useChangePassword } from "../api";

type Field = "current_password" | "new_password" | "confirm_password";
type Values = Record<Field, string>;

const EMPTY: Values = { current_password: "", new_password: "", confirm_password: "" };

/**
 * A new password, given the current one. The change signs out every other device; this one
 * logs in again with the new password at once.
 */
export function PasswordForm({ me }: { me: Me }) {
  const [values, setValues] = useState<Values>(EMPTY);
  const temporary = Boolean(me.must_change_password);
  const rules: Record<Field, Rule> = {
    current_password: (value) =>
      value ? passwordRule(value) : `Enter your ${temporary ? "temporary" : "current"} password.`,
    new_password: (value) =>
      newPasswordRule(value) ??
      (value === values.current_password
        ? "Choose a password different from the current one."
        : undefined),
    confirm_password: (value) =>
      value === values.new_password ? undefined : "Type the same new password again.",
  };
  const form = useFormErrors<Field>(rules);
  const change = useChangePassword();

  const edit = (field: Field, value: string) => {
    const next = { ...values, [field]: value };
    setValues(next);
    form.recheck(next);
    change.reset();
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!form.validate(values)) return;
    change.mutate(
      {
        email: me.email,
        currentPassword: values.current_password,
        newPassword: values.new_password,
      },
      {
        onSuccess: () => {
          setValues(EMPTY);
          form.reset();
        },
        onError: (error) =>
          form.showServerErrors(error, {
            current_password: `That is not your ${temporary ? "temporary" : "current"} password.`,
          }),
      },
    );
  };

  const fieldErrorShown = Object.keys(form.errors).length > 0;
  return (
    <form
      ref={form.formRef}
      className="form"
      onSubmit={submit}
      aria-label="Change password"
      noValidate
    >
      {/* Lets password managers tie the new password to this account. */}
      <input type="text" name="username" autoComplete="username" value={me.email} readOnly hidden />
      <TextField
        label={temporary ? "Temporary password" : "Current password"}
        type="password"
        name="current_password"
        autoComplete="current-password"
        value={values.current_password}
        error={form.errors.current_password}
        onChange={(event) => edit("current_password", event.target.value)}
      />
      <TextField
        label="New password"
        type="password"
        name="new_password"
        autoComplete="new-password"
        hint={PASSWORD_HINT}
        value={values.new_password}
        error={form.errors.new_password}
        onChange={(event) => edit("new_password", event.target.value)}
      />
      <TextField
        label="Repeat the new password"
        type="password"
        name="confirm_password"
        autoComplete="new-password"
        value={values.confirm_password}
        error={form.errors.confirm_password}
        onChange={(event) => edit("confirm_password", event.target.value)}
      />
      {change.error && !fieldErrorShown ? <Alert>{plainErrorMessage(change.error)}</Alert> : null}
      {change.isSuccess ? (
        <Alert tone="success">
          Your password is changed. Other devices signed in to this account were logged out.
        </Alert>
      ) : null}
      <div>
        <Button type="submit" busy={change.isPending}>
          {change.isPending ? "Changing password…" : "Change password"}
        </Button>
      </div>
    </form>
  );
}
