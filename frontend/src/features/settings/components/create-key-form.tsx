import { type FormEvent, useState } from "react";
import type { ApiKeyCreated } from "@/api/client";
import { ApiError } from "@/api/http";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { useCreateApiKey } from "../api";

interface CreateKeyFormProps {
  onCreated: (key: ApiKeyCreated) => void;
}

export function CreateKeyForm({ onCreated }: CreateKeyFormProps) {
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const create = useCreateApiKey();
  const fieldErrors = create.error instanceof ApiError ? create.error.fieldErrors() : {};

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const expires = Number.parseInt(days, 10);
    create.mutate(
      { name: name.trim(), ...(Number.isFinite(expires) ? { expires_in_days: expires } : {}) },
      {
        onSuccess: (key) => {
          setName("");
          setDays("");
          onCreated(key);
        },
      },
    );
  };

  return (
    <form className="form form-inline" onSubmit={submit} aria-label="Create API key">
      <TextField
        label="Key name"
        name="name"
        required
        maxLength={100}
        placeholder="e.g. maze game client"
        value={name}
        error={fieldErrors.name}
        onChange={(event) => setName(event.target.value)}
      />
      <TextField
        label="Expires in (days)"
        name="expires_in_days"
        type="number"
        min={1}
        max={3650}
        placeholder="never"
        value={days}
        error={fieldErrors.expires_in_days}
        onChange={(event) => setDays(event.target.value)}
      />
      <Button type="submit" busy={create.isPending} disabled={!name.trim()}>
        Create key
      </Button>
      {create.error && Object.keys(fieldErrors).length === 0 ? (
        <Alert>{create.error.message}</Alert>
      ) : null}
    </form>
  );
}
