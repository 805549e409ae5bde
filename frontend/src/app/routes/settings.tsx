import { Card } from "@/components/ui/card";
import { GhostTextToggle } from "@/features/settings/components/ghost-text-toggle";
import { ThemeChoice } from "@/features/settings/components/theme-choice";
import { SettingsTabs } from "./settings-tabs";

/** Preferences kept in this browser: colours and the editor's suggestions. */
export function SettingsPage() {
  return (
    <main className="page" id="main">
      <h1>Settings</h1>
      <SettingsTabs />
      <div className="stack">
        <Card title="Appearance">
          <ThemeChoice />
        </Card>
        <Card title="Editor">
          <GhostTextToggle />
        </Card>
      </div>
    </main>
  );
}
