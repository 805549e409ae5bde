import { useNavigate, useSearch } from "@tanstack/react-router";
import { useCallback } from "react";
import { useMe } from "@/features/auth/api";
import { MonitorPanel } from "@/features/monitor/components/monitor-panel";
import type { Watched } from "@/features/monitor/components/session-picker";

export interface MonitorSearch {
  project?: string;
  session?: string;
}

function word(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** `/monitor?project=maze&session=…`: the address names the watched session. */
export function validateMonitorSearch(search: Record<string, unknown>): MonitorSearch {
  return { project: word(search.project), session: word(search.session) };
}

/** Test & Monitor: watch a game session live and publish test messages into it. */
export function MonitorPage() {
  const { project, session } = useSearch({ strict: false });
  const navigate = useNavigate();
  const me = useMe();
  const change = useCallback(
    ({ project: nextProject, sessionId }: Watched) =>
      void navigate({
        to: "/monitor",
        search: { project: nextProject, session: sessionId || undefined },
        replace: true,
      }),
    [navigate],
  );
  return (
    <main className="page page-wide" id="main">
      <h1>Test &amp; Monitor</h1>
      <p className="lead">
        Watch one game session live: the requests and states its client sends, the hints and replies
        it gets, and the results it posts. Send a test message as if you were the game.
      </p>
      <MonitorPanel
        project={project}
        sessionId={session}
        onChange={change}
        viewerId={me.data ? String(me.data.id) : undefined}
      />
    </main>
  );
}
