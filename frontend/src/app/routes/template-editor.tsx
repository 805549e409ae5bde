import { useLocation, useNavigate, useParams, useSearch } from "@tanstack/react-router";
import { ApiError } from "@/api/http";
import { Alert } from "@/components/ui/alert";
import { GhostTextToggle } from "@/features/settings/components/ghost-text-toggle";
import { useGhostTextEnabled } from "@/features/settings/hooks/use-ghost-text-enabled";
import { useTemplate } from "@/features/templates/api";
import { LabelsPanel } from "@/features/templates/components/labels-panel";
import { TemplateEditorForm } from "@/features/templates/components/template-editor-form";
import { TemplateHeader, type TemplateTab } from "@/features/templates/components/template-header";
import { VersionHistory } from "@/features/templates/components/version-history";

export interface TemplateEditorSearch {
  tab?: Exclude<TemplateTab, "edit">;
  /** The compared versions on the History tab. */
  from?: number;
  to?: number;
}

function versionNumber(value: unknown): number | undefined {
  const number = Number(value);
  return Number.isInteger(number) && number >= 1 && number <= 2 ** 31 ? number : undefined;
}

/** `/templates/3?tab=history&from=1&to=2`: the address names the tab and the compared versions. */
export function validateTemplateEditorSearch(
  search: Record<string, unknown>,
): TemplateEditorSearch {
  const tab = search.tab === "history" || search.tab === "labels" ? search.tab : undefined;
  return { tab, from: versionNumber(search.from), to: versionNumber(search.to) };
}

declare module "@tanstack/react-router" {
  interface HistoryState {
    /** Said on arrival after the first save of a new template (while it is version 1). */
    templateNotice?: string;
  }
}

/** One template: edit it (a new version per saved change), its history and diffs, its labels. */
export function TemplateEditorPage() {
  const { templateId } = useParams({ from: "/authenticated/templates/$templateId" });
  const search = useSearch({ from: "/authenticated/templates/$templateId" });
  const notice = useLocation({ select: (location) => location.state.templateNotice });
  const navigate = useNavigate();
  const [ghostText] = useGhostTextEnabled();
  const id = Number(templateId);
  const valid = Number.isInteger(id) && id >= 1;
  const template = useTemplate(valid ? id : 0);
  const tab: TemplateTab = search.tab ?? "edit";

  if (!valid || template.isError) {
    return (
      <main className="page" id="main">
        <h1>Template not found</h1>
        <Alert>
          {template.error instanceof ApiError && template.error.status !== 404
            ? template.error.message
            : "There is no such template, or it is private to someone else."}
        </Alert>
      </main>
    );
  }
  if (template.isPending) {
    return (
      <main className="page page-wide" id="main">
        <h1 className="visually-hidden">Template</h1>
        <p className="muted">Loading the template…</p>
      </main>
    );
  }
  const data = template.data;
  return (
    <main className="page page-wide template-page" id="main">
      <TemplateHeader
        template={data}
        tab={tab}
        onArchived={() => void navigate({ to: "/templates" })}
      />
      {notice && data.version === 1 ? <Alert tone="success">{notice}</Alert> : null}
      {/* Kept mounted on the other tabs, so unsaved edits survive a look at the history. */}
      <div hidden={tab !== "edit"}>
        {data.can_edit && !data.archived ? (
          <div className="template-tools">
            <GhostTextToggle compact />
          </div>
        ) : null}
        <TemplateEditorForm template={data} ghostText={ghostText} />
      </div>
      {tab === "history" ? (
        <VersionHistory
          template={data}
          from={search.from}
          to={search.to}
          onCompare={(from, to) =>
            void navigate({
              to: "/templates/$templateId",
              params: { templateId },
              search: { tab: "history", from, to },
              replace: true,
            })
          }
        />
      ) : null}
      {tab === "labels" ? <LabelsPanel template={data} /> : null}
    </main>
  );
}
