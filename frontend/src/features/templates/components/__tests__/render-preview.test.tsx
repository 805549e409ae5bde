import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { RenderPreview } from "../render-preview";

const VARIABLES = [
  { name: "topic", type: "text" as const, required: true },
  { name: "count", type: "number" as const, required: false, default: 2 },
  { name: "tone", type: "choice" as const, choices: ["calm", "wild"] },
];

describe("RenderPreview", () => {
  it("sends the typed values and shows the prompt", async () => {
    const spy = mockFetch([
      {
        method: "POST",
        path: "/api/templates/3/render",
        handler: () =>
          json({ prompt: "Talk about mazes, 4 times, calmly.", version: 2, template_id: 3 }),
      },
    ]);
    renderWithProviders(<RenderPreview templateId={3} version={2} variables={VARIABLES} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("topic"), "mazes");
    await user.type(screen.getByLabelText("count"), "4");
    await user.selectOptions(screen.getByLabelText("tone"), "calm");
    await user.click(screen.getByRole("button", { name: "Render" }));

    const rendered = await screen.findByRole("region", { name: "Rendered prompt" });
    expect(rendered).toHaveTextContent("Talk about mazes, 4 times, calmly.");
    const request = spy.mock.calls[0]?.[0] as Request;
    expect(await request.json()).toEqual({
      version: 2,
      variables: { topic: "mazes", count: 4, tone: "calm" },
    });
  });

  it("marks each missing or invalid value on its field", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/templates/3/render",
        handler: () =>
          json(
            {
              error: "Invalid variables",
              timestamp: 1,
              code: "invalid_variables",
              details: {
                missing: ["topic"],
                invalid: [{ name: "count", reason: "must be a number" }],
              },
            },
            400,
          ),
      },
    ]);
    renderWithProviders(<RenderPreview templateId={3} version={2} variables={VARIABLES} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("count"), "many");
    await user.click(screen.getByRole("button", { name: "Render" }));

    expect(await screen.findByText("Give a value: it is required.")).toBeInTheDocument();
    expect(screen.getByLabelText("topic")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("count")).toHaveAccessibleDescription(/It must be a number\./);
    expect(screen.getByRole("alert")).toHaveTextContent(/missing or invalid/);
  });
});
