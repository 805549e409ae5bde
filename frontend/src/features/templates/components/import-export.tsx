import { useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { plainErrorMessage } from "@/lib/use-form-errors";
import { fetchTemplatesExport, useImportTemplates } from "../api";
import { downloadJson } from "../download";

const MAX_IMPORT_BYTES = 5_000_000;

/** Export all of mine as one JSON file; import such a file (or one template's) as new templates. */
export function ImportExport() {
  const importTemplates = useImportTemplates();
  const [exporting, setExporting] = useState(false);
  const [message, setMessage] = useState<{ tone: "error" | "success"; text: string } | null>(null);
  const fileId = useId();

  const exportAll = async () => {
    setExporting(true);
    setMessage(null);
    try {
      const bundle = await fetchTemplatesExport();
      downloadJson("prompt-portal-templates.json", bundle);
      setMessage({ tone: "success", text: `Exported ${bundle.templates.length} templates.` });
    } catch (error) {
      setMessage({ tone: "error", text: plainErrorMessage(error) });
    } finally {
      setExporting(false);
    }
  };

  const importFile = async (file: File | undefined) => {
    if (!file) return;
    setMessage(null);
    if (file.size > MAX_IMPORT_BYTES) {
      setMessage({ tone: "error", text: "That file is too big: at most 5 MB." });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await file.text());
    } catch {
      setMessage({ tone: "error", text: `${file.name} is not JSON. Pick a file exported here.` });
      return;
    }
    importTemplates.mutate(body as Parameters<typeof importTemplates.mutate>[0], {
      onSuccess: (result) =>
        setMessage({
          tone: "success",
          text: `Imported ${result.items.length} ${result.items.length === 1 ? "template" : "templates"}.`,
        }),
      onError: (error) => setMessage({ tone: "error", text: plainErrorMessage(error) }),
    });
  };

  return (
    <div className="import-export">
      <Button variant="secondary" busy={exporting} onClick={() => void exportAll()}>
        Export all
      </Button>
      <label htmlFor={fileId} className="btn btn-secondary file-button">
        {importTemplates.isPending ? "Importing…" : "Import"}
        <input
          id={fileId}
          type="file"
          accept="application/json,.json"
          className="visually-hidden"
          aria-label="Import templates from a JSON file"
          disabled={importTemplates.isPending}
          onChange={(event) => {
            void importFile(event.target.files?.[0]);
            event.target.value = "";
          }}
        />
      </label>
      {message ? <Alert tone={message.tone}>{message.text}</Alert> : null}
    </div>
  );
}
