import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { plainErrorMessage } from "@/lib/use-form-errors";
import { fetchTemplateExport, type TemplateRead, useArchiveTemplate } from "../api";
import { downloadJson, fileSlug } from "../download";
import "../templates.css";

export type TemplateTab = "edit" | "history" | "labels";

const TABS: { tab: TemplateTab; label: string }[] = [
  { tab: "edit", label: "Edit" },
  { tab: "history", label: "History" },
  { tab: "labels", label: "Labels" },
];

interface TemplateHeaderProps {
  template: TemplateRead;
  tab: TemplateTab;
  /** After archiving (the page goes back to the list). */
  onArchived: () => void;
}

/** The template's name and facts, Export and Archive, and the Edit / History / Labels tabs. */
export function TemplateHeader({ template, tab, onArchived }: TemplateHeaderProps) {
  const [confirming, setConfirming] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const archive = useArchiveTemplate(template.id);
  const canArchive = template.can_edit && !template.archived;

  const exportOne = async () => {
    setExportError(null);
    try {
      downloadJson(`${fileSlug(template.title)}.json`, await fetchTemplateExport(template.id));
    } catch (error) {
      setExportError(plainErrorMessage(error));
    }
  };

  return (
    <header className="template-header">
      <p className="breadcrumb">
        <Link to="/templates">Templates</Link>
      </p>
      <div className="page-heading">
        <h1>{template.title}</h1>
        <div className="button-row">
          <Button variant="secondary" onClick={() => void exportOne()}>
            Export
          </Button>
          {canArchive && !confirming ? (
            <Button variant="secondary" onClick={() => setConfirming(true)}>
              Archive
            </Button>
          ) : null}
          {confirming ? (
            <>
              <Button
                variant="danger"
                busy={archive.isPending}
                onClick={() => archive.mutate(undefined, { onSuccess: onArchived })}
              >
                Confirm archive
              </Button>
              <Button variant="ghost" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
            </>
          ) : null}
        </div>
      </div>
      <p className="template-meta muted">
        <span>Version {template.version}</span>
        <span className={template.visibility === "shared" ? "tag" : "tag tag-warn"}>
          {template.visibility === "shared" ? "Shared" : "Private"}
        </span>
        {template.archived ? <span className="tag tag-danger">Archived</span> : null}
        <span>by {template.owner_name}</span>
        {Object.entries(template.labels).map(([label, version]) => (
          <span key={label} className="tag tag-success">
            {label} → v{version}
          </span>
        ))}
      </p>
      {confirming ? (
        <p className="muted">
          Archiving hides it from the list and from new sessions; chats and results that used it
          keep their versions.
        </p>
      ) : null}
      {archive.isError ? <Alert>{plainErrorMessage(archive.error)}</Alert> : null}
      {exportError ? <Alert>{exportError}</Alert> : null}
      <nav aria-label="Template" className="tabs">
        {TABS.map((item) => (
          <Link
            key={item.tab}
            to="/templates/$templateId"
            params={{ templateId: String(template.id) }}
            search={(previous) => ({
              ...previous,
              tab: item.tab === "edit" ? undefined : item.tab,
            })}
            // The tab is in the search, which the router's own active check leaves out.
            activeProps={{}}
            className={tab === item.tab ? "active" : undefined}
            aria-current={tab === item.tab ? "page" : undefined}
          >
            {item.label}
          </Link>
        ))}
      </nav>
    </header>
  );
}
