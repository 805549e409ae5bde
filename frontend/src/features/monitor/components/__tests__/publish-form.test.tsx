import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mqttStatus } from "@/features/monitor/__tests__/fixtures";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { PublishForm } from "../publish-form";

function serve(publish: () => Response) {
  const bodies: unknown[] = [];
  mockFetch([
    { method: "GET", path: "/api/mqtt/status", handler: () => json(mqttStatus()) },
    {
      method: "POST",
      path: "/api/mqtt/publish",
      handler: async (request) => {
        bodies.push(await request.json());
        return publish();
      },
    },
  ]);
  return bodies;
}

describe("PublishForm", () => {
  it("publishes a message into the watched session", async () => {
    const bodies = serve(() => json({ accepted: true }, 202));
    renderWithProviders(<PublishForm project="maze" sessionId="s1" connected />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message"), "Which way now?");
    await user.click(screen.getByRole("button", { name: "Publish" }));
    expect(await screen.findByText(/Sent\. The answer shows/)).toBeInTheDocument();
    expect(bodies).toEqual([
      {
        project: "maze",
        session_id: "s1",
        kind: "user_input",
        payload: { sessionId: "s1", message: "Which way now?" },
      },
    ]);
  });

  it("checks the message before sending and puts focus on what to fix", async () => {
    const bodies = serve(() => json({ accepted: true }, 202));
    renderWithProviders(<PublishForm project="maze" sessionId="s1" connected />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Publish" }));
    const field = screen.getByLabelText("Message");
    expect(field).toHaveAccessibleDescription(/Write a message to send\./);
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(field).toHaveFocus();
    expect(bodies).toEqual([]);
  });

  it("offers a sample maze state for the session and refuses broken JSON", async () => {
    const bodies = serve(() => json({ accepted: true }, 202));
    renderWithProviders(<PublishForm project="maze" sessionId="s7" connected />);
    const user = userEvent.setup();
    await user.click(screen.getByRole("radio", { name: "A game state" }));
    const field = screen.getByLabelText("Game state (JSON)") as HTMLTextAreaElement;
    expect(JSON.parse(field.value)).toMatchObject({ sessionId: "s7", player_pos: [1, 1] });

    await user.type(field, "oops");
    await user.click(screen.getByRole("button", { name: "Publish" }));
    expect(field).toHaveAccessibleDescription(/This is not valid JSON/);
    expect(bodies).toEqual([]);

    await user.click(screen.getByRole("button", { name: "Reset to sample" }));
    await user.click(screen.getByRole("button", { name: "Publish" }));
    expect(await screen.findByText(/Sent\./)).toBeInTheDocument();
    expect(bodies).toEqual([
      expect.objectContaining({
        kind: "state",
        payload: expect.objectContaining({ sessionId: "s7", exit_pos: [3, 3] }),
      }),
    ]);
  });

  it("shows the server's refusal (bridge not connected)", async () => {
    serve(() =>
      json(
        { error: "The game broker is not connected", timestamp: 1, code: "mqtt_unavailable" },
        503,
      ),
    );
    renderWithProviders(<PublishForm project="maze" sessionId="s1" connected />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message"), "hello");
    await user.click(screen.getByRole("button", { name: "Publish" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The game broker is not connected");
  });

  it("cannot publish while the broker is away, and says so", () => {
    serve(() => json({ accepted: true }, 202));
    renderWithProviders(<PublishForm project="maze" sessionId="s1" connected={false} />);
    expect(screen.getByRole("button", { name: "Publish" })).toBeDisabled();
    expect(screen.getByText(/Sending needs a connected game broker/)).toBeInTheDocument();
  });
});
