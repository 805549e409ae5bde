import { Link } from "@tanstack/react-router";
import { Card } from "@/components/ui/card";
import { useMe } from "@/features/auth/api";
import { UserSummary } from "@/features/auth/components/user-summary";
import { LlmHealthCard } from "@/features/chat/components/llm-health-card";
import { BrokerCard } from "@/features/monitor/components/broker-card";

export function DashboardPage() {
  const me = useMe();
  const name = me.data ? me.data.display_name || me.data.email : "";
  return (
    <main className="page" id="main">
      <h1>{name ? `Welcome, ${name}` : "Welcome"}</h1>
      <p className="lead">
        Write prompt templates, compare them in the playground, chat with the model and hand out API
        keys to your scripts and game clients.
      </p>
      <div className="grid">
        <Card title="Your account">
          <UserSummary />
        </Card>
        <Card title="LLM server">
          <LlmHealthCard />
        </Card>
        <Card title="Game broker">
          <BrokerCard />
        </Card>
        <Card title="Get started">
          <ul className="links">
            <li>
              <Link to="/templates/new">Write a prompt template</Link> — typed variables, versions
              and labels.
            </li>
            <li>
              <Link to="/playground">Open the playground</Link> — run versions on several inputs
              side by side.
            </li>
            <li>
              <Link to="/chat">Open the chat</Link> — talk to the model, with history per session.
            </li>
            <li>
              <Link to="/settings/keys">Create an API key</Link> — for REST callers and game
              clients.
            </li>
            <li>
              <a href="/api/docs">API reference</a> — every endpoint, try it in the browser.
            </li>
          </ul>
        </Card>
      </div>
    </main>
  );
}
