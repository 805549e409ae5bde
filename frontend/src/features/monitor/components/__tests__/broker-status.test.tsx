import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mqttStatus } from "@/features/monitor/__tests__/fixtures";
import type { MqttStatus } from "@/features/monitor/api";
import { BROKER_LABEL, brokerState } from "@/features/monitor/broker-state";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { BrokerBanner } from "../broker-banner";

function serve(status: MqttStatus | Response) {
  mockFetch([
    {
      method: "GET",
      path: "/api/mqtt/status",
      handler: () => (status instanceof Response ? status : json(status)),
    },
  ]);
}

describe("BrokerBanner", () => {
  it("says the broker is connected, which projects answer, and which need no key", async () => {
    serve(mqttStatus({ keyless_projects: ["*"] }));
    renderWithProviders(<BrokerBanner />);
    const banner = await screen.findByRole("status", { name: "Game broker status" });
    expect(banner).toHaveTextContent("Connected to the game broker at mqtt://127.0.0.1:1883.");
    expect(banner).toHaveTextContent("Projects: maze, driving.");
    expect(banner).toHaveTextContent("Served without an API key: all projects.");
    expect(banner).toHaveTextContent("Since start: received 3 · answered 2 · errors 1.");
  });

  it("says when the bridge lost the broker and that sending waits for it", async () => {
    serve(mqttStatus({ connected: false, keyless_projects: [] }));
    renderWithProviders(<BrokerBanner />);
    const banner = await screen.findByRole("status", { name: "Game broker status" });
    expect(banner).toHaveTextContent("Not connected to the game broker at mqtt://127.0.0.1:1883.");
    expect(banner).toHaveTextContent("test messages cannot be sent until it is back");
    expect(banner).toHaveTextContent("none (every request needs an API key)");
  });

  it("says when the bridge runs in another worker of the portal", async () => {
    serve(mqttStatus({ connected: false, served_by_other_worker: true, stats: {} }));
    renderWithProviders(<BrokerBanner />);
    const banner = await screen.findByRole("status", { name: "Game broker status" });
    expect(banner).toHaveTextContent("The game bridge runs in another worker");
    expect(banner).toHaveTextContent("cannot send test messages");
    expect(banner).not.toHaveTextContent("Not connected");
  });

  it("says how to turn the bridge on when it is off", async () => {
    serve(mqttStatus({ enabled: false, connected: false, broker: null }));
    renderWithProviders(<BrokerBanner />);
    const banner = await screen.findByRole("status", { name: "Game broker status" });
    expect(banner).toHaveTextContent("The game bridge is off");
    expect(banner).toHaveTextContent("set MQTT_BROKER_URL");
    expect(banner).toHaveTextContent("make run");
  });

  it("shows why the status could not be read", async () => {
    serve(json({ error: "Database unavailable", timestamp: 1 }, 503));
    renderWithProviders(<BrokerBanner />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Database unavailable");
  });
});

describe("brokerState", () => {
  it("tells a bridge in another worker from a lost broker", () => {
    const elsewhere = mqttStatus({ connected: false, served_by_other_worker: true });
    expect(BROKER_LABEL[brokerState(elsewhere)]).toBe("runs in another worker");
    expect(brokerState(mqttStatus({ connected: false }))).toBe("disconnected");
  });
});
