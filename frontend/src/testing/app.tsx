import { RouterProvider } from "@tanstack/react-router";
import { render } from "@testing-library/react";
import { AppProvider } from "@/app/provider";
import { createAppRouter } from "@/app/router";
import { tokenStorage } from "@/lib/token-storage";
import { createTestQueryClient } from "./render";

export const HEALTH = {
  status: "ok",
  server_url: "http://llm.test",
  model: "test-model",
  latency_ms: 5,
  slot_context: 4096,
  gate: { capacity: 2, lanes: { chat: { in_use: 0, waiting: 0, reserved: 1 } } },
};

/** The whole app (router, layout, pages) at `path`, signed in unless `token` is null. */
export async function renderApp(path: string, { token = "jwt" }: { token?: string | null } = {}) {
  if (token) tokenStorage.set(token);
  const queryClient = createTestQueryClient();
  const router = createAppRouter(queryClient);
  await router.navigate({ to: path });
  const view = render(
    <AppProvider queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>,
  );
  return { router, queryClient, ...view };
}
