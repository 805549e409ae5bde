import type { FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { type FieldRule, newPasswordRule, PASSWORD_HINT, passwordRule } from "@/lib/form-rules";
import { plainErrorMessage, useFormFields } from "@/lib/use-form-errors";
import { type Me, useChangePassword } from "../api";

type Field = "current_password" | "new_password" | "confirm_password";
const EMPTY: Record<Field, string> = {
  current_password: "",
  new_password: "",
  confirm_password: "",
};

/**
 * A new password, given the current one. The change signs out every other device; this one
 * logs in again with the new password at once.
 */
export function PasswordForm({ me }: { me: Me }) {
  const temporary = Boolean(me.must_change_password);
  const rules: Record<Field, FieldRule> = {
    current_password: (value) =>
      value ? passwordRule(value) : `Enter your ${temporary ? "temporary" : "current"} password.`,
    new_password: (value, all) =>
      newPasswordRule(value) ??
      (value === all.current_password
        ? "Choose a password different from the current one."
        : undefined),
    confirm_password: (value, all) =>
      value === all.new_password ? undefined : "Type the same new password again.",
  };
  const change = useChangePassword();
  const form = useFormFields<Field>(rules, EMPTY, change.reset);
  const { values } = form;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!form.check()) return;
    change.mutate(
      {
        email: me.email,
        currentPassword: values.current_password,
        newPassword: values.new_password,
      },
      {
        onSuccess: () => {
          form.clear();
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
        autoComplete="current-password"
        {...form.field("current_password")}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        hint={PASSWORD_HINT}
        {...form.field("new_password")}
      />
      <TextField
        label="Repeat the new password"
        type="password"
        autoComplete="new-password"
        {...form.field("confirm_password")}
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
