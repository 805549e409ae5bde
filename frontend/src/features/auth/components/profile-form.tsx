import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { NAME_MAX, requiredNameRule } from "@/lib/form-rules";
import { plainErrorMessage, useFormErrors } from "@/lib/use-form-errors";
import { type Me, useUpdateProfile } from "../api";

const RULES = { display_name: requiredNameRule };

/** The name other people and the header show. */
export function ProfileForm({ me }: { me: Me }) {
  const [name, setName] = useState(me.display_name ?? "");
  const form = useFormErrors<"display_name">(RULES);
  const update = useUpdateProfile();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!form.validate({ display_name: name })) return;
    update.mutate(name.trim(), { onError: (error) => form.showServerErrors(error) });
  };

  const fieldErrorShown = Object.keys(form.errors).length > 0;
  return (
    <form ref={form.formRef} className="form" onSubmit={submit} aria-label="Profile" noValidate>
      <dl className="facts">
        <dt>Email</dt>
        <dd>{me.email}</dd>
      </dl>
      <TextField
        label="Display name"
        name="display_name"
        autoComplete="nickname"
        hint={`Up to ${NAME_MAX} characters.`}
        value={name}
        error={form.errors.display_name}
        onChange={(event) => {
          setName(event.target.value);
          form.recheck({ display_name: event.target.value });
          update.reset();
        }}
      />
      {update.error && !fieldErrorShown ? <Alert>{plainErrorMessage(update.error)}</Alert> : null}
      {update.isSuccess ? <Alert tone="success">Your name is saved.</Alert> : null}
      <div>
        <Button type="submit" busy={update.isPending}>
          {update.isPending ? "Saving…" : "Save name"}
        </Button>
      </div>
    </form>
  );
}
