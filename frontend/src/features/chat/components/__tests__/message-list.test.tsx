import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ChatEntry } from "@/features/chat/hooks/use-chat";
import { MessageList } from "../message-list";

const conversation = (answer: string): ChatEntry[] => [
  { key: "q", role: "user", content: "Tell me a story", status: "complete" },
  { key: "a", role: "assistant", content: answer, status: "streaming" },
];

/** jsdom has no layout: give the list a size, a scroll position and content that grows. */
function fakeLayout(list: HTMLElement) {
  const layout = { scrollTop: 0, scrollHeight: 1000, clientHeight: 300 };
  Object.defineProperty(list, "scrollHeight", { get: () => layout.scrollHeight });
  Object.defineProperty(list, "clientHeight", { get: () => layout.clientHeight });
  Object.defineProperty(list, "scrollTop", {
    get: () => layout.scrollTop,
    set: (value: number) => {
      layout.scrollTop = Math.max(0, Math.min(value, layout.scrollHeight - layout.clientHeight));
    },
  });
  return layout;
}

function renderList(answer: string) {
  const props = {
    turn: { startedAt: Date.now(), admitted: true },
    queued: false,
    chatKey: "s1",
    canAct: false,
    onRegenerate: vi.fn(),
    onEdit: vi.fn(),
  };
  const view = render(<MessageList messages={conversation(answer)} {...props} />);
  return {
    ...view,
    grow: (text: string) => view.rerender(<MessageList messages={conversation(text)} {...props} />),
  };
}

describe("MessageList scrolling", () => {
  it("follows the stream at the bottom; scrolling up stops it; Jump to latest resumes", async () => {
    const user = userEvent.setup();
    const { grow } = renderList("Once");
    const list = screen.getByRole("list", { name: "Messages" });
    const layout = fakeLayout(list);

    grow("Once upon");
    expect(layout.scrollTop).toBe(700); // at the bottom: followed

    // The reader scrolls up to read.
    layout.scrollTop = 200;
    fireEvent.scroll(list);
    layout.scrollHeight = 1400;
    grow("Once upon a time");
    expect(layout.scrollTop).toBe(200); // stays put
    const jump = screen.getByRole("button", { name: /Jump to latest/ });

    await user.click(jump);
    expect(layout.scrollTop).toBe(1100);
    expect(screen.queryByRole("button", { name: /Jump to latest/ })).not.toBeInTheDocument();
    layout.scrollHeight = 1600;
    grow("Once upon a time there was");
    expect(layout.scrollTop).toBe(1300); // following again
  });

  it("scrolling back down to the bottom by hand follows again", () => {
    const { grow } = renderList("Once");
    const list = screen.getByRole("list", { name: "Messages" });
    const layout = fakeLayout(list);
    grow("Once upon");

    layout.scrollTop = 100;
    fireEvent.scroll(list);
    expect(screen.getByRole("button", { name: /Jump to latest/ })).toBeInTheDocument();
    layout.scrollTop = 690;
    fireEvent.scroll(list);
    expect(screen.queryByRole("button", { name: /Jump to latest/ })).not.toBeInTheDocument();
    layout.scrollHeight = 1200;
    grow("Once upon a time");
    expect(layout.scrollTop).toBe(900);
  });
});
