import { Card } from "@/components/ui/card";
import { ApiKeysPanel } from "@/features/settings/components/api-keys-panel";
import { GhostTextToggle } from "@/features/settings/components/ghost-text-toggle";

export function ApiKeysPage() {
  return (
    <main className="page">
      <h1>API keys</h1>
      <ApiKeysPanel />
      <Card title="Editor" className="editor-settings">
        <GhostTextToggle />
      </Card>
    </main>
  );
}
