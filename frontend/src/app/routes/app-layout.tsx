import { Link, Outlet, useNavigate } from "@tanstack/react-router";
import { useLogout } from "@/features/auth/api";
import { UserMenu } from "@/features/auth/components/user-menu";
import { LlmHealthBadge } from "@/features/chat/components/llm-health-badge";

const NAV = [
  { to: "/", label: "Dashboard" },
  { to: "/chat", label: "Chat" },
  { to: "/drafts", label: "Drafts" },
  { to: "/settings/keys", label: "API keys" },
] as const;

/** Top bar (navigation, LLM health, user menu) around every signed-in page. */
export function AppLayout() {
  const logout = useLogout();
  const navigate = useNavigate();
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand">
          Prompt Portal
        </Link>
        <nav aria-label="Main">
          <ul className="nav">
            {NAV.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  activeOptions={{ exact: true }}
                  activeProps={{ className: "active" }}
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
            onLogout={() => {
              logout();
              void navigate({ to: "/login" });
            }}
          />
        </div>
      </header>
      <Outlet />
    </div>
  );
}
