import { Link } from "@tanstack/react-router";

/** The two settings pages, as tabs under the heading. */
export function SettingsTabs() {
  return (
    <nav aria-label="Settings" className="tabs">
      <Link
        to="/settings"
        activeOptions={{ exact: true }}
        activeProps={{ className: "active", "aria-current": "page" }}
      >
        Preferences
      </Link>
      <Link to="/settings/keys" activeProps={{ className: "active", "aria-current": "page" }}>
        API keys
      </Link>
    </nav>
  );
}
