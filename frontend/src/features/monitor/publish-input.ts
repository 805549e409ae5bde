/**
 * The test message a person types on the monitor page, checked before it is sent: a chat
 * message (`user_input`) or a game state in JSON (`state`), as a game client would publish it.
 */

export type PublishKind = "user_input" | "state";

/** The bridge's default payload limit; a bigger message would only come back as an error. */
export const MAX_PAYLOAD_BYTES = 65_536;

/** The longest question the bridge takes. */
export const MESSAGE_MAX = 32_000;

/** A session id as the game clients use them: up to 128 characters, no topic wildcards. */
export const SESSION_ID_MAX = 128;

function hasControlCharacter(value: string): boolean {
  return Array.from(value).some((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || code === 0x7f;
  });
}

/** Why `value` cannot be a session id (as the bridge checks it), or `undefined`. */
export function sessionIdProblem(value: string): string | undefined {
  const id = value.trim();
  if (id === "") return "Enter a session id, or make a new one.";
  if (id.length > SESSION_ID_MAX) return `A session id has at most ${SESSION_ID_MAX} characters.`;
  if (/[+#/]/.test(id) || hasControlCharacter(id)) {
    return "A session id cannot contain /, + or # (it becomes part of a topic name).";
  }
  return undefined;
}

/** A short random id for a fresh test session, e.g. `test-3f9c2a`. */
export function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `test-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A 5×5 maze in the pygame client's dialect (1 = wall): the player top left, the exit bottom right. */
export function sampleMazeState(sessionId: string): string {
  const state = {
    sessionId,
    player_pos: [1, 1],
    exit_pos: [3, 3],
    visible_map: [
      [1, 1, 1, 1, 1],
      [1, 0, 0, 0, 1],
      [1, 1, 1, 0, 1],
      [1, 0, 0, 0, 1],
      [1, 1, 1, 1, 1],
    ],
  };
  // One row of the map per line, so the maze reads as a maze.
  const rows = state.visible_map.map((row) => `    ${JSON.stringify(row)}`).join(",\n");
  return [
    "{",
    `  "sessionId": ${JSON.stringify(sessionId)},`,
    '  "player_pos": [1, 1],',
    '  "exit_pos": [3, 3],',
    '  "visible_map": [',
    rows,
    "  ]",
    "}",
  ].join("\n");
}

export type PublishCheck =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; error: string };

function byteLength(value: string): number {
  return new TextEncoder().encode(value).length;
}

function checkMessage(text: string, sessionId: string): PublishCheck {
  if (text.trim() === "") return { ok: false, error: "Write a message to send." };
  if (text.length > MESSAGE_MAX) {
    return {
      ok: false,
      error: `A message has at most ${MESSAGE_MAX.toLocaleString()} characters.`,
    };
  }
  return { ok: true, payload: { sessionId, message: text } };
}

function checkState(text: string, sessionId: string): PublishCheck {
  if (text.trim() === "") return { ok: false, error: "Enter the game state as JSON." };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? ` (${error.message})` : "";
    return { ok: false, error: `This is not valid JSON${detail}.` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: "The state must be a JSON object ({ … })." };
  }
  // The session on the page is the one watched; the state always goes to it.
  return { ok: true, payload: { ...(value as Record<string, unknown>), sessionId } };
}

/** The payload to publish, or why it cannot be sent. */
export function checkPublish(kind: PublishKind, text: string, sessionId: string): PublishCheck {
  const result =
    kind === "user_input" ? checkMessage(text, sessionId) : checkState(text, sessionId);
  if (result.ok && byteLength(JSON.stringify(result.payload)) > MAX_PAYLOAD_BYTES) {
    return { ok: false, error: `The message is larger than ${MAX_PAYLOAD_BYTES / 1024} KiB.` };
  }
  return result;
}
