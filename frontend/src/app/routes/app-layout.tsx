import { Link, Outlet, useLocation, useNavigate } from "@tanstack/react-router";
import { type MouseEvent, useEffect, useId, useRef, useState } from "react";
import { useLogout, useMe } from "@/features/auth/api";
import { UserMenu } from "@/features/auth/components/user-menu";
import { useSessionRenewal } from "@/features/auth/hooks/use-session-renewal";
import { LlmHealthBadge } from "@/features/chat/components/llm-health-badge";

interface NavItem {
  to:
    | "/"
    | "/chat"
    | "/templates"
    | "/playground"
    | "/monitor"
    | "/settings"
    | "/account"
    | "/admin/users";
  label: string;
  /** Also active on the pages below it (a chat, the API keys). */
  prefix?: boolean;
  adminOnly?: boolean;
}

const NAV: NavItem[] = [
  { to: "/", label: "Dashboard" },
  { to: "/chat", label: "Chat", prefix: true },
  { to: "/templates", label: "Templates", prefix: true },
  { to: "/playground", label: "Playground" },
  { to: "/monitor", label: "Monitor" },
  { to: "/settings", label: "Settings", prefix: true },
  { to: "/account", label: "Account" },
  { to: "/admin/users", label: "Users", adminOnly: true },
];

/** Move focus to the page's main content (the skip link's target is each page's <main>). */
function skipToMain(event: MouseEvent<HTMLAnchorElement>) {
  const main = document.querySelector<HTMLElement>("main");
  if (!main) return;
  event.preventDefault();
  if (!main.hasAttribute("tabindex")) main.setAttribute("tabindex", "-1");
  main.focus();
}

/**
 * The frame of every signed-in page: skip link, a one-row header (brand, navigation, LLM
 * health, user menu) whose navigation folds behind a Menu button on narrow screens.
 */
export function AppLayout() {
  const logout = useLogout();
  const navigate = useNavigate();
  const me = useMe();
  const pathname = useLocation({ select: (location) => location.pathname });
  const [menuOpen, setMenuOpen] = useState(false);
  const navId = useId();
  const menuButton = useRef<HTMLButtonElement>(null);
  const header = useRef<HTMLElement>(null);
  useSessionRenewal();

  // A new page closes the menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on purpose when the page changes.
  useEffect(() => setMenuOpen(false), [pathname]);

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    // A tap outside the header closes it too.
    const onPointer = (event: PointerEvent) => {
      if (!header.current?.contains(event.target as Node)) setMenuOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [menuOpen]);

  const isAdmin = me.data?.role === "admin";
  const items = NAV.filter((item) => !item.adminOnly || isAdmin);

  return (
    <div className="app">
      {/* biome-ignore lint/a11y/useValidAnchor: a real in-page link; the handler also serves pages whose <main> has no id. */}
      <a className="skip-link" href="#main" onClick={skipToMain}>
        Skip to main content
      </a>
      <header className="topbar" ref={header}>
        <button
          ref={menuButton}
          type="button"
          className="btn btn-ghost menu-button"
          aria-expanded={menuOpen}
          aria-controls={navId}
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span className="menu-icon" aria-hidden="true" />
          <span className="menu-label">Menu</span>
        </button>
        <Link to="/" className="brand">
          Prompt Portal
        </Link>
        <nav id={navId} aria-label="Main" className={menuOpen ? "main-nav open" : "main-nav"}>
          <ul className="nav">
            {items.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  activeOptions={{ exact: !item.prefix }}
                  activeProps={{ className: "active", "aria-current": "page" }}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <LlmHealthBadge />
          <UserMenu
            onLogout={async () => {
              await logout();
              await navigate({ to: "/login" });
            }}
          />
        </div>
      </header>
      <Outlet />
    </div>
  );
}
