import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/http";
import { BROKE_OFF, type ChatEntry, mergeStored, refusalNotice } from "../chat-entries";

const local: ChatEntry[] = [
  { key: "k1", role: "user", content: "Tell me a story", status: "complete" },
  { key: "k2", role: "assistant", content: "Once up", status: "stopped" },
];

describe("mergeStored", () => {
  it("keeps the keys of the same turns and takes the stored ids, statuses and text", () => {
    const merged = mergeStored(local, [
      { id: 7, role: "user", content: "Tell me a story", status: "complete" },
      { id: 8, role: "assistant", content: "Once upon", status: "stopped" },
    ]);
    expect(merged).toEqual([
      { key: "k1", serverId: 7, role: "user", content: "Tell me a story", status: "complete" },
      { key: "k2", serverId: 8, role: "assistant", content: "Once upon", status: "stopped" },
    ]);
  });

  it("keeps the reason seen live for a failed answer", () => {
    const failed: ChatEntry[] = [
      local[0] as ChatEntry,
      { key: "k2", role: "assistant", content: "Once", status: "failed", error: "Timed out" },
    ];
    const merged = mergeStored(failed, [
      { id: 1, role: "user", content: "Tell me a story" },
      { id: 2, role: "assistant", content: "Once", status: "failed" },
    ]);
    expect(merged[1]).toMatchObject({ status: "failed", error: "Timed out" });
    expect(
      mergeStored([], [{ id: 2, role: "assistant", content: "", status: "failed" }])[0],
    ).toMatchObject({
      error: BROKE_OFF,
    });
  });

  it("shows the store as it is when the turns differ", () => {
    const merged = mergeStored(local, [{ id: 1, role: "user", content: "Something else" }]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ serverId: 1, content: "Something else" });
    expect(merged[0]?.key).not.toBe("k1");
  });
});

describe("refusalNotice", () => {
  it("says the model is offline in plain words, with no operator advice", () => {
    const notice = refusalNotice(
      new ApiError(503, { error: "x", timestamp: 1, code: "llm_unavailable" }, "fallback"),
    );
    expect(notice.offline).toBe(true);
    expect(notice.message).toMatch(/^The model is offline/);
    expect(notice.message).not.toMatch(/make|LLM_SERVER_URL|http/);
  });

  it("tells a chat that is gone from a message that is gone", () => {
    const chatGone = refusalNotice(
      new ApiError(404, { error: "Session not found", timestamp: 1, code: "not_found" }, "x"),
    );
    expect(chatGone.message).toMatch(/^This chat no longer exists/);
    const messageGone = refusalNotice(
      new ApiError(
        404,
        { error: "Message not found in this session", timestamp: 1, code: "not_found" },
        "x",
      ),
    );
    expect(messageGone.message).toMatch(/^That message was changed elsewhere/);
  });

  it("passes on the server's own sentence for other refusals", () => {
    const notice = refusalNotice(
      new ApiError(429, { error: "Too many requests at once", timestamp: 1 }, "fallback"),
    );
    expect(notice).toEqual({ message: "Not sent: Too many requests at once", offline: false });
  });
});
