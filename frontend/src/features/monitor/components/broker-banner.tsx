import { Alert } from "@/components/ui/alert";
import { StatusDot } from "@/components/ui/status-dot";
import { useMqttStatus } from "../api";
import { BROKER_TONE, brokerState, keylessText, statsText } from "../broker-state";

/**
 * Whether game clients can reach the model right now, and what to do when they cannot. Said
 * in a polite live region: a broker that drops or comes back is announced once.
 */
export function BrokerBanner() {
  const status = useMqttStatus();
  if (status.isPending) return <p className="muted">Checking the game broker…</p>;
  if (status.isError) {
    return <Alert>Could not read the game broker's status: {status.error.message}</Alert>;
  }
  const data = status.data;
  const state = brokerState(data);
  const broker = data.broker ?? "the configured broker";
  const stats = statsText(data.stats);
  return (
    <section
      className={`broker-banner broker-${state}`}
      role="status"
      aria-label="Game broker status"
    >
      <p className="broker-banner-title">
        <StatusDot tone={BROKER_TONE[state]} />
        {state === "connected" ? (
          <span>
            Connected to the game broker at <span className="mono">{broker}</span>.
          </span>
        ) : state === "disconnected" ? (
          <span>
            Not connected to the game broker at <span className="mono">{broker}</span>. The portal
            keeps trying; test messages cannot be sent until it is back.
          </span>
        ) : state === "elsewhere" ? (
          <span>
            The game bridge runs in another worker of this portal, which answers game clients
            through <span className="mono">{broker}</span>. This page reached a different worker, so
            it shows no live events and cannot send test messages; reload to try again, or run the
            portal with one worker.
          </span>
        ) : (
          <span>The game bridge is off, so game clients get no answers.</span>
        )}
      </p>
      {state === "off" ? (
        <p>
          To turn it on, set <code>MQTT_BROKER_URL</code> (for example{" "}
          <code>mqtt://127.0.0.1:1883</code>) and restart the portal, or start everything with{" "}
          <code>make run</code>, which runs a private broker for the portal.
        </p>
      ) : (
        <p className="broker-banner-facts">
          Projects: {data.projects.join(", ") || "none"}. Served without an API key:{" "}
          {keylessText(data)}.{stats ? ` Since start: ${stats}.` : null}
        </p>
      )}
    </section>
  );
}
