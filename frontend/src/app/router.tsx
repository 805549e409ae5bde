/**
 * The route tree (code-based). Pages live in ./routes and compose features; the
 * authenticated layout guards everything except /login and /register.
 */
import type { QueryClient } from "@tanstack/react-query";
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  redirect,
} from "@tanstack/react-router";
import { setUnauthorizedHandler } from "@/api/http";
import { tokenStorage } from "@/lib/token-storage";
import { AppLayout } from "./routes/app-layout";
import { ChatPage } from "./routes/chat";
import { DashboardPage } from "./routes/dashboard";
import { DraftsPage } from "./routes/drafts";
import { LoginPage } from "./routes/login";
import { NotFoundPage } from "./routes/not-found";
import { RegisterPage } from "./routes/register";
import { RootLayout } from "./routes/root";
import { ApiKeysPage } from "./routes/settings-keys";

export interface RouterContext {
  queryClient: QueryClient;
}

export interface LoginSearch {
  redirect?: string;
  registered?: boolean;
}

/** Only same-site paths are followed after login (no open redirects). */
export function safeRedirect(value: unknown): string | undefined {
  // "//host" and "/\host" (browsers read a backslash as a slash) would leave the site.
  return typeof value === "string" &&
    value.startsWith("/") &&
    !value.startsWith("//") &&
    !value.includes("\\")
    ? value
    : undefined;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: RootLayout,
  notFoundComponent: NotFoundPage,
});

const redirectIfLoggedIn = () => {
  if (tokenStorage.get()) throw redirect({ to: "/" });
};

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: (search: Record<string, unknown>): LoginSearch => ({
    redirect: safeRedirect(search.redirect),
    registered: search.registered === true || search.registered === "true" ? true : undefined,
  }),
  beforeLoad: redirectIfLoggedIn,
  component: LoginPage,
});

const registerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/register",
  beforeLoad: redirectIfLoggedIn,
  component: RegisterPage,
});

const authenticatedRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "authenticated",
  beforeLoad: ({ location }) => {
    if (!tokenStorage.get()) {
      throw redirect({ to: "/login", search: { redirect: location.href } });
    }
  },
  component: AppLayout,
});

const dashboardRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/",
  component: DashboardPage,
});

const chatRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/chat",
  component: ChatPage,
});

/** One stored conversation: reloading or sharing this URL reopens it. */
const chatSessionRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/chat/$sessionId",
  component: ChatPage,
});

const draftsRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/drafts",
  component: DraftsPage,
});

const apiKeysRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/settings/keys",
  component: ApiKeysPage,
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  registerRoute,
  authenticatedRoute.addChildren([dashboardRoute, chatRoute, chatSessionRoute, draftsRoute, apiKeysRoute]),
]);

export function createAppRouter(queryClient: QueryClient) {
  const router = createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: "intent",
    scrollRestoration: true,
  });
  // The session is over: forget this user's data and start again at the login page.
  const sendToLogin = () => {
    queryClient.clear();
    const here = router.state.location;
    if (here.pathname === "/login" || here.pathname === "/register") return;
    void router.navigate({ to: "/login", search: { redirect: safeRedirect(here.href) } });
  };
  // A 401 on an authenticated call.
  setUnauthorizedHandler(sendToLogin);
  // The token went away, e.g. logged out in another tab.
  tokenStorage.subscribe(() => {
    if (!tokenStorage.get()) sendToLogin();
  });
  return router;
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
