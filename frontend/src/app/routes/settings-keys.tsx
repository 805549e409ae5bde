import { ApiKeysPanel } from "@/features/settings/components/api-keys-panel";
import { SettingsTabs } from "./settings-tabs";

export function ApiKeysPage() {
  return (
    <main className="page" id="main">
      <h1>API keys</h1>
      <SettingsTabs />
      <ApiKeysPanel />
    </main>
  );
}
