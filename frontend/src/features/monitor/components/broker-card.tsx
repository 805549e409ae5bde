import { Link } from "@tanstack/react-router";
import { Alert } from "@/components/ui/alert";
import { StatusDot } from "@/components/ui/status-dot";
import { useMqttStatus } from "../api";
import { BROKER_LABEL, BROKER_TONE, brokerState } from "../broker-state";

/** The dashboard's line about the game broker: connected, not connected or off. */
export function BrokerCard() {
  const status = useMqttStatus();
  if (status.isPending) return <p className="muted">Checking the game broker…</p>;
  if (status.isError) return <Alert>{status.error.message}</Alert>;
  const state = brokerState(status.data);
  return (
    <>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusDot tone={BROKER_TONE[state]} /> {BROKER_LABEL[state]}
        </dd>
        <dt>Broker</dt>
        <dd className="mono">{status.data.broker || "—"}</dd>
      </dl>
      <p>
        {state === "off"
          ? "Set MQTT_BROKER_URL, or start the portal with make run, to answer game clients."
          : "Game clients reach the model through this broker."}{" "}
        <Link to="/monitor">Test &amp; Monitor</Link>
      </p>
    </>
  );
}
