import type { GameEvent } from "../events";
import {
  formatTime,
  KIND_TONE,
  ownerLabel,
  streamText,
  summarize,
  type TimelineEntry,
} from "../timeline";

function RawJson({ value }: { value: unknown }) {
  return (
    <details className="event-raw">
      <summary>Raw JSON</summary>
      <pre className="mono">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

interface HeadProps {
  event: GameEvent;
  label: string;
  viewerId: string | undefined;
}

function EventHead({ event, label, viewerId }: HeadProps) {
  return (
    <div className="event-head">
      <time dateTime={new Date(event.at * 1000).toISOString()}>{formatTime(event.at)}</time>
      <span className={`tag tag-kind tag-${KIND_TONE[event.kind]}`}>{label}</span>
      <span className="event-owner muted" title={`Owner: ${event.owner}`}>
        {ownerLabel(event.owner, viewerId)}
      </span>
    </div>
  );
}

function EventItem({ event, viewerId }: { event: GameEvent; viewerId: string | undefined }) {
  return (
    <li className={`event event-${event.kind}`}>
      <EventHead event={event} label={event.kind} viewerId={viewerId} />
      <p className="event-summary">{summarize(event)}</p>
      <RawJson value={event} />
    </li>
  );
}

function StreamItem({ events, viewerId }: { events: GameEvent[]; viewerId: string | undefined }) {
  const last = events.at(-1) as GameEvent;
  const chunks = events.length === 1 ? "1 chunk" : `${events.length} chunks`;
  return (
    <li className="event event-delta">
      <EventHead event={last} label={`delta · ${chunks}`} viewerId={viewerId} />
      <p className="event-summary event-stream">{streamText(events)}</p>
      <RawJson value={events} />
    </li>
  );
}

interface EventTimelineProps {
  entries: TimelineEntry[];
  /** The signed-in user's id: their own traffic reads as "you". */
  viewerId?: string | undefined;
}

/** The session's events, newest first; each opens to the JSON it came with. */
export function EventTimeline({ entries, viewerId }: EventTimelineProps) {
  if (entries.length === 0) {
    return (
      <p className="muted event-empty">
        Nothing yet. Events appear here as game clients (or the form) send them.
      </p>
    );
  }
  return (
    <ol className="timeline" aria-label="Events, newest first">
      {entries.map((entry) =>
        entry.type === "stream" ? (
          <StreamItem key={entry.key} events={entry.events} viewerId={viewerId} />
        ) : (
          <EventItem key={entry.key} event={entry.event} viewerId={viewerId} />
        ),
      )}
    </ol>
  );
}
