import type { FormEvent } from "react";
import type { ApiKeyCreated } from "@/api/client";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { KEY_DAYS_MAX, keyDaysRule, requiredNameRule } from "@/lib/form-rules";
import { plainErrorMessage, useFormFields } from "@/lib/use-form-errors";
import { useCreateApiKey } from "../api";

interface CreateKeyFormProps {
  onCreated: (key: ApiKeyCreated) => void;
}

const RULES = { name: requiredNameRule, expires_in_days: keyDaysRule };
const EMPTY = { name: "", expires_in_days: "" };

export function CreateKeyForm({ onCreated }: CreateKeyFormProps) {
  const form = useFormFields(RULES, EMPTY);
  const { values } = form;
  const create = useCreateApiKey();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!form.check()) return;
    const days = values.expires_in_days.trim();
    create.mutate(
      { name: values.name.trim(), ...(days ? { expires_in_days: Number.parseInt(days, 10) } : {}) },
      {
        onSuccess: (key) => {
          form.clear();
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
        required
        placeholder="e.g. maze game client"
        {...form.field("name")}
      />
      <TextField
        label="Expires in (days)"
        inputMode="numeric"
        placeholder="never"
        hint={`Empty for never, or 1 to ${KEY_DAYS_MAX}.`}
        {...form.field("expires_in_days")}
      />
      <Button type="submit" busy={create.isPending}>
        Create key
      </Button>
      {create.error && !fieldErrorShown ? <Alert>{plainErrorMessage(create.error)}</Alert> : null}
    </form>
  );
}
