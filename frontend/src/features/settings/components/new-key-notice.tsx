import type { ApiKeyCreated } from "@/api/client";
import { Button } from "@/components/ui/button";
import { useCopyToClipboard } from "@/lib/use-copy-to-clipboard";

interface NewKeyNoticeProps {
  apiKey: ApiKeyCreated;
  onDismiss: () => void;
}

/** The only time the full key is visible: copy it now. */
export function NewKeyNotice({ apiKey, onDismiss }: NewKeyNoticeProps) {
  const { copied, copy } = useCopyToClipboard();
  return (
    <div className="new-key" role="status">
      <p>
        <strong>Key “{apiKey.name}” created.</strong> Copy it now — it will not be shown again.
      </p>
      <div className="new-key-row">
        <input
          className="mono"
          readOnly
          aria-label="New API key"
          value={apiKey.key}
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button variant="secondary" onClick={() => copy(apiKey.key)}>
          {copied ? "Copied" : "Copy"}
        </Button>
        <Button variant="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
    </div>
  );
}
