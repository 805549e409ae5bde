import { Button } from "@/components/ui/button";
import { useCopyToClipboard } from "@/lib/use-copy-to-clipboard";

interface CopyButtonProps {
  text: string;
  /** What is copied, in a few words ("base URL"): names the button and the announcement. */
  what: string;
}

/** Copy `text`; "Copied" shows on the button and is announced to screen readers. */
export function CopyButton({ text, what }: CopyButtonProps) {
  const { copied, copy } = useCopyToClipboard();
  return (
    <>
      <Button variant="secondary" aria-label={`Copy ${what}`} onClick={() => void copy(text)}>
        {copied ? "Copied" : "Copy"}
      </Button>
      {/* Always in the page, so the change of its text is what gets announced. */}
      <span className="visually-hidden" aria-live="polite">
        {copied ? `Copied ${what}` : ""}
      </span>
    </>
  );
}
