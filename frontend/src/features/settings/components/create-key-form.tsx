import { type FormEvent, useState } from "react";
import type { ApiKeyCreated } from "@/api/client";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { KEY_DAYS_MAX, keyDaysRule, requiredNameRule } from "@/lib/form-rules";
import { plainErrorMessage, useFormErrors } from "@/lib/use-form-errors";
import { useCreateApiKey } from "../api";

interface CreateKeyFormProps {
  onCreated: (key: ApiKeyCreated) => void;
}

const RULES = { name: requiredNameRule, expires_in_days: keyDaysRule };
type Field = keyof typeof RULES;
const EMPTY: Record<Field, string> = { name: "", expires_in_days: "" };

export function CreateKeyForm({ onCreated }: CreateKeyFormProps) {
  const [values, setValues] = useState(EMPTY);
  const form = useFormErrors<Field>(RULES);
  const create = useCreateApiKey();

  const change = (field: Field, value: string) => {
    const next = { ...values, [field]: value };
    setValues(next);
    form.recheck(next);
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!form.validate(values)) return;
    const days = values.expires_in_days.trim();
    create.mutate(
      { name: values.name.trim(), ...(days ? { expires_in_days: Number.parseInt(days, 10) } : {}) },
      {
        onSuccess: (key) => {
          setValues(EMPTY);
          form.reset();
          onCreated(key);
        },
        onError: (error) => form.showServerErrors(error),
      },
    );
  };

  const fieldErrorShown = Object.keys(form.errors).length > 0;
  return (
    <form
      ref={form.formRef}
      className="form form-inline"
      onSubmit={submit}
      aria-label="Create API key"
      noValidate
    >
      <TextField
        label="Key name"
        name="name"
        required
        placeholder="e.g. maze game client"
        value={values.name}
        error={form.errors.name}
        onChange={(event) => change("name", event.target.value)}
      />
      <TextField
        label="Expires in (days)"
        name="expires_in_days"
        inputMode="numeric"
        placeholder="never"
        hint={`Empty for never, or 1 to ${KEY_DAYS_MAX}.`}
        value={values.expires_in_days}
        error={form.errors.expires_in_days}
        onChange={(event) => change("expires_in_days", event.target.value)}
      />
      <Button type="submit" busy={create.isPending}>
        Create key
      </Button>
      {create.error && !fieldErrorShown ? <Alert>{plainErrorMessage(create.error)}</Alert> : null}
    </form>
  );
}
