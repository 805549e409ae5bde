/**
 * An answer as Markdown (GitHub flavour: tables, lists, strikethrough), code highlighted by
 * highlight.js through rehype-highlight. Raw HTML in an answer is never rendered: react-markdown
 * turns it into plain text (there is deliberately no rehype-raw), and link URLs pass its
 * default filter, which drops `javascript:` and the like. Images are never loaded: fetching a
 * URL an answer names could leak data or track the reader, so an image becomes a plain link.
 */
import type { Element, ElementContent, Root, RootContent } from "hast";
import { memo } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import { useCopyToClipboard } from "@/lib/use-copy-to-clipboard";

/** The text of a hast node, as it was before highlighting split it into spans. */
function textOf(node: ElementContent | Element | undefined): string {
  if (!node) return "";
  if (node.type === "text") return node.value;
  if (node.type === "element") return node.children.map(textOf).join("");
  return "";
}

/** "python" from `class="hljs language-python"`. */
function languageOf(code: Element | undefined): string | undefined {
  const classes = code?.properties.className;
  if (!Array.isArray(classes)) return undefined;
  const language = classes.map(String).find((name) => name.startsWith("language-"));
  return language?.slice("language-".length);
}

function CodeBlock({ node, children }: { node?: Element | undefined; children?: React.ReactNode }) {
  const { copied, copy } = useCopyToClipboard(1500);
  const code = node?.children.find(
    (child): child is Element => child.type === "element" && child.tagName === "code",
  );
  const language = languageOf(code);
  const text = textOf(code).replace(/\n$/, "");
  return (
    <div className="code-block">
      <div className="code-block-bar">
        <span className="code-block-language">{language ?? "text"}</span>
        <button
          type="button"
          className="code-block-copy"
          aria-label={language ? `Copy ${language} code` : "Copy code"}
          onClick={() => void copy(text)}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <pre>{children}</pre>
    </div>
  );
}

const components: Components = {
  pre: CodeBlock,
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
  table: ({ node: _node, ...props }) => (
    <div className="markdown-table">
      <table {...props} />
    </div>
  ),
};

/**
 * Turns every image into a link to its URL showing its alt text (or the URL), and an image
 * inside a link into just that text, so that nothing is fetched and links never nest.
 */
function imagesAsLinks() {
  const rewrite = (nodes: (RootContent | ElementContent)[], inLink: boolean) => {
    nodes.forEach((node, index) => {
      if (node.type !== "element") return;
      if (node.tagName === "img") {
        const src = typeof node.properties.src === "string" ? node.properties.src : "";
        const alt = typeof node.properties.alt === "string" ? node.properties.alt : "";
        const label: ElementContent = { type: "text", value: alt || src };
        nodes[index] = inLink
          ? label
          : {
              type: "element",
              tagName: "a",
              properties: { href: src, className: ["markdown-image-link"] },
              children: [label],
            };
        return;
      }
      rewrite(node.children, inLink || node.tagName === "a");
    });
  };
  return (tree: Root) => rewrite(tree.children, false);
}

const remarkPlugins = [remarkGfm];
const rehypePlugins = [rehypeHighlight, imagesAsLinks];

/** Memoised: while an answer streams, the answers above it are not parsed again. */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
