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
import { setPasswordChangeHandler, setUnauthorizedHandler } from "@/api/http";
import { authKeys, meQueryOptions } from "@/features/auth/api";
import { startThemeSync } from "@/lib/theme";
import { tokenStorage } from "@/lib/token-storage";
import { AccountPage } from "./routes/account";
import { AdminUsersPage } from "./routes/admin-users";
import { AppLayout } from "./routes/app-layout";
import { ChatPage } from "./routes/chat";
import { DashboardPage } from "./routes/dashboard";
import { LoginPage } from "./routes/login";
import { MonitorPage, validateMonitorSearch } from "./routes/monitor";
import { NotFoundPage } from "./routes/not-found";
import { PlaygroundPage, validatePlaygroundSearch } from "./routes/playground";
import { RegisterPage } from "./routes/register";
import { RootLayout } from "./routes/root";
import { SettingsPage } from "./routes/settings";
import { ApiKeysPage } from "./routes/settings-keys";
import { TemplateEditorPage, validateTemplateEditorSearch } from "./routes/template-editor";
import { NewTemplatePage } from "./routes/template-new";
import { TemplatesPage, validateTemplatesSearch } from "./routes/templates";

export interface RouterContext {
  queryClient: QueryClient;
}

export interface LoginSearch {
  redirect?: string;
  registered?: boolean;
  /** The sign-in ran out (or was ended elsewhere) while the person was on `redirect`. */
  expired?: boolean;
}

function flag(value: unknown): true | undefined {
  return value === true || value === "true" ? true : undefined;
}

/** Where a person whose password must change may still go. */
export const ACCOUNT_PATH = "/account";

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
    registered: flag(search.registered),
    expired: flag(search.expired),
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
  beforeLoad: async ({ location, context }) => {
    if (!tokenStorage.get()) {
      throw redirect({ to: "/login", search: { redirect: location.href } });
    }
    // A password set by an admin must be replaced before anything else. (When the account
    // cannot be read, the page shows why; a 401 already went to the login page.)
    const me = await context.queryClient.ensureQueryData(meQueryOptions()).catch(() => undefined);
    if (me?.must_change_password && location.pathname !== ACCOUNT_PATH) {
      throw redirect({ to: ACCOUNT_PATH });
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

/** The prompt library; the address keeps the search, filters and page. */
const templatesRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/templates",
  validateSearch: validateTemplatesSearch,
  component: TemplatesPage,
});

const newTemplateRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/templates/new",
  component: NewTemplatePage,
});

/** One template; `?tab=history&from=1&to=2` names the tab and the compared versions. */
const templateRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/templates/$templateId",
  validateSearch: validateTemplateEditorSearch,
  component: TemplateEditorPage,
});

/** Versions × inputs side by side; `?run=` reopens a stored run. */
const playgroundRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/playground",
  validateSearch: validatePlaygroundSearch,
  component: PlaygroundPage,
});

/** Test & Monitor; the address names the watched project and session. */
const monitorRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/monitor",
  validateSearch: validateMonitorSearch,
  component: MonitorPage,
});

const settingsRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/settings",
  component: SettingsPage,
});

const apiKeysRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/settings/keys",
  component: ApiKeysPage,
});

const accountRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: ACCOUNT_PATH,
  component: AccountPage,
});

/** Admins only; the page itself tells anyone else they are not allowed. */
const adminUsersRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: "/admin/users",
  component: AdminUsersPage,
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  registerRoute,
  authenticatedRoute.addChildren([
    dashboardRoute,
    chatRoute,
    chatSessionRoute,
    templatesRoute,
    newTemplateRoute,
    templateRoute,
    playgroundRoute,
    monitorRoute,
    settingsRoute,
    apiKeysRoute,
    accountRoute,
    adminUsersRoute,
  ]),
]);

export function createAppRouter(queryClient: QueryClient) {
  const router = createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: "intent",
    scrollRestoration: true,
  });
  startThemeSync();
  // The session is over: forget this user's data and start again at the login page. After a
  // logout it starts afresh; otherwise (lapsed, revoked, ended in another tab) the login
  // brings the person back to where they were.
  const sendToLogin = () => {
    queryClient.clear();
    const here = router.state.location;
    if (here.pathname === "/login" || here.pathname === "/register") return;
    const search: LoginSearch =
      tokenStorage.endReason() === "logout"
        ? {}
        : { redirect: safeRedirect(here.href), expired: true };
    void router.navigate({ to: "/login", search });
  };
  // A 401 on an authenticated call.
  setUnauthorizedHandler(sendToLogin);
  // A 403 because an admin set a temporary password: set a new one first.
  setPasswordChangeHandler(() => {
    void queryClient.invalidateQueries({ queryKey: authKeys.me() });
    if (router.state.location.pathname !== ACCOUNT_PATH) void router.navigate({ to: ACCOUNT_PATH });
  });
  // The token went away: this tab logged out or let it lapse, or another tab logged out.
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
