import { useState } from "react";
import type { ApiKeyCreated, ApiKeyRead } from "@/api/client";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { formatDateTime } from "@/lib/format";
import { useApiKeys, useRevokeApiKey } from "../api";
import { CreateKeyForm } from "./create-key-form";
import { GatewayPanel } from "./gateway-panel";
import { NewKeyNotice } from "./new-key-notice";

export function ApiKeysPanel() {
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  return (
    <div className="stack">
      <Card title="Create a key">
        <p className="muted">
          Keys authenticate scripts, notebooks and game clients: send them as{" "}
          <code>Authorization: Bearer pp_…</code>. A game client logs in to the MQTT broker with the
          key id as username (the part between <code>pp_</code> and the next <code>_</code>) and the
          whole key as password.
        </p>
        <CreateKeyForm onCreated={setCreated} />
        {created ? <NewKeyNotice apiKey={created} onDismiss={() => setCreated(null)} /> : null}
      </Card>
      <Card title="OpenAI-compatible API">
        <GatewayPanel apiKey={created?.key ?? null} />
      </Card>
      <Card title="Your keys">
        <ApiKeyList />
      </Card>
    </div>
  );
}

function ApiKeyList() {
  const keys = useApiKeys();
  if (keys.isPending) return <p className="muted">Loading keys…</p>;
  if (keys.isError) return <Alert>{keys.error.message}</Alert>;
  if (keys.data.length === 0) return <p className="muted">No keys yet.</p>;
  return (
    <table className="table table-cards">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Prefix</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Last used</th>
          <th scope="col">Game clients</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.data.map((key) => (
          <ApiKeyRow key={key.id} apiKey={key} />
        ))}
      </tbody>
    </table>
  );
}

function ApiKeyRow({ apiKey }: { apiKey: ApiKeyRead }) {
  const [confirming, setConfirming] = useState(false);
  const revoke = useRevokeApiKey();
  return (
    <tr>
      <th scope="row" className="card-title">
        {apiKey.name}
      </th>
      <td data-label="Prefix" className="mono">
        {apiKey.prefix}…
      </td>
      <td data-label="Created">{formatDateTime(apiKey.created_at)}</td>
      <td data-label="Expires">
        {apiKey.expires_at ? formatDateTime(apiKey.expires_at) : "never"}
      </td>
      <td data-label="Last used">
        {apiKey.last_used_at ? formatDateTime(apiKey.last_used_at) : "never"}
      </td>
      <td data-label="Game clients">
        {apiKey.mqtt ? (
          "Works for game clients (MQTT)"
        ) : (
          <span className="muted">Re-issue to use with game clients</span>
        )}
      </td>
      <td className="actions">
        {revoke.error ? (
          <span className="field-error" role="alert">
            {revoke.error.message}
          </span>
        ) : null}
        {confirming ? (
          <>
            <Button
              variant="danger"
              busy={revoke.isPending}
              aria-label={`Confirm revoking ${apiKey.name}`}
              onClick={() => revoke.mutate(apiKey.id)}
            >
              Confirm
            </Button>
            <Button variant="ghost" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </>
        ) : (
          <Button
            variant="secondary"
            aria-label={`Revoke ${apiKey.name}`}
            onClick={() => setConfirming(true)}
          >
            Revoke
          </Button>
        )}
      </td>
    </tr>
  );
}
