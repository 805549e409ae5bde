import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { monitorKeys, useMqttStatus } from "../api";
import type { GameEvent } from "../events";
import { useGameEvents } from "../hooks/use-game-events";
import "../monitor.css";
import { BrokerBanner } from "./broker-banner";
import { EventTimeline } from "./event-timeline";
import { FeedStatus } from "./feed-status";
import { PublishForm } from "./publish-form";
import { ResultsList } from "./results-list";
import { SessionPicker, type Watched } from "./session-picker";

/** The project shown first when the address names none: the maze, the game most tested. */
export function defaultProject(projects: string[]): string | undefined {
  return projects.includes("maze") ? "maze" : projects[0];
}

interface MonitorPanelProps {
  /** From the page's address, so a reload or a shared link watches the same session. */
  project: string | undefined;
  sessionId: string | undefined;
  onChange: (next: Watched) => void;
  /** The signed-in user's id: their own traffic reads as "you". */
  viewerId?: string | undefined;
}

/**
 * Test & Monitor: the broker's status, a session to watch, its live events, a form that
 * publishes test messages into it and the results its game posted.
 */
export function MonitorPanel({
  project: wanted,
  sessionId,
  onChange,
  viewerId,
}: MonitorPanelProps) {
  const status = useMqttStatus();
  const queryClient = useQueryClient();
  const projects = status.data?.projects ?? [];
  const project = wanted && projects.includes(wanted) ? wanted : defaultProject(projects);
  const watching = project && sessionId ? sessionId : undefined;

  const onEvent = useCallback(
    (event: GameEvent) => {
      if (event.kind !== "result") return;
      // A load still under way may have started before this result was stored: drop it.
      const queryKey = monitorKeys.results(event.project, event.session_id);
      void queryClient
        .cancelQueries({ queryKey })
        .then(() => queryClient.invalidateQueries({ queryKey }));
    },
    [queryClient],
  );
  const feed = useGameEvents(project, watching, { onEvent });

  return (
    <div className="stack monitor">
      <BrokerBanner />
      <Card title="Session">
        {project ? (
          <SessionPicker
            projects={projects}
            project={project}
            sessionId={sessionId ?? ""}
            onChange={onChange}
          />
        ) : status.isPending ? (
          <p className="muted">Loading projects…</p>
        ) : (
          <p className="muted">No game projects to watch.</p>
        )}
      </Card>
      {project && watching ? (
        <>
          <div className="monitor-grid">
            <Card title="Publish a test message">
              <PublishForm
                project={project}
                sessionId={watching}
                connected={status.data?.connected === true}
              />
            </Card>
            <Card
              title="Live events"
              className="monitor-events"
              actions={
                feed.entries.length > 0 ? (
                  <Button variant="ghost" onClick={feed.clear}>
                    Clear
                  </Button>
                ) : null
              }
            >
              <FeedStatus state={feed.state} />
              <EventTimeline entries={feed.entries} viewerId={viewerId} />
            </Card>
          </div>
          <Card title="Results">
            <ResultsList project={project} sessionId={watching} viewerId={viewerId} />
          </Card>
        </>
      ) : project ? (
        <p className="muted">Enter a session id and press Watch, or make a New id.</p>
      ) : null}
    </div>
  );
}
