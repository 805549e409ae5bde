import { useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { formatDateTime } from "@/lib/format";
import {
  type TemplateRead,
  useRestoreVersion,
  useTemplateDiff,
  useTemplateVersion,
  useTemplateVersions,
  VERSIONS_PAGE_SIZE,
} from "../api";
import { DiffView } from "./diff-view";
import { Pager } from "./pager";
import "../templates.css";

interface VersionHistoryProps {
  template: TemplateRead;
  /** The compared versions (from the address); defaults to the last two. */
  from?: number | undefined;
  to?: number | undefined;
  onCompare: (from: number, to: number) => void;
}

/**
 * Every version, newest first, each immutable: read one, compare any two side by side, or
 * restore an old one (which saves it again as a new version; nothing is rewritten).
 */
export function VersionHistory({ template, from, to, onCompare }: VersionHistoryProps) {
  const latest = template.version;
  const right = to && to <= latest ? to : latest;
  const left = from && from <= latest ? from : Math.max(1, right - 1);
  const [viewing, setViewing] = useState<number | undefined>(undefined);

  return (
    <div className="stack">
      <Card title="Compare versions">
        {latest < 2 ? (
          <p className="muted">Only version 1 so far. Save a change to compare versions.</p>
        ) : (
          <Compare template={template} from={left} to={right} onCompare={onCompare} />
        )}
      </Card>
      <Card title="Versions">
        <VersionList template={template} viewing={viewing} onView={setViewing} />
      </Card>
      {viewing !== undefined ? (
        <VersionContent
          templateId={template.id}
          version={viewing}
          onClose={() => setViewing(undefined)}
        />
      ) : null}
    </div>
  );
}

function VersionSelect({
  label,
  value,
  latest,
  onChange,
}: {
  label: string;
  value: number;
  latest: number;
  onChange: (value: number) => void;
}) {
  const id = useId();
  const versions = Array.from({ length: latest }, (_, index) => latest - index);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(Number(event.target.value))}>
        {versions.map((version) => (
          <option key={version} value={version}>
            Version {version}
            {version === latest ? " (latest)" : ""}
          </option>
        ))}
      </select>
    </div>
  );
}

function Compare({
  template,
  from,
  to,
  onCompare,
}: {
  template: TemplateRead;
  from: number;
  to: number;
  onCompare: (from: number, to: number) => void;
}) {
  const diff = useTemplateDiff(template.id, from, to);
  return (
    <>
      <div className="form form-inline compare-form">
        <VersionSelect
          label="From version"
          value={from}
          latest={template.version}
          onChange={(next) => onCompare(next, to)}
        />
        <VersionSelect
          label="To version"
          value={to}
          latest={template.version}
          onChange={(next) => onCompare(from, next)}
        />
        <Button variant="ghost" onClick={() => onCompare(to, from)}>
          Swap
        </Button>
      </div>
      {from === to ? (
        <p className="muted">Pick two different versions.</p>
      ) : diff.isPending ? (
        <p className="muted">Loading the changes…</p>
      ) : diff.isError ? (
        <Alert>{diff.error.message}</Alert>
      ) : (
        <DiffView from={from} to={to} lines={diff.data.lines} />
      )}
    </>
  );
}

function VersionList({
  template,
  viewing,
  onView,
}: {
  template: TemplateRead;
  viewing: number | undefined;
  onView: (version: number) => void;
}) {
  const [page, setPage] = useState(1);
  const versions = useTemplateVersions(template.id, page);
  const restore = useRestoreVersion(template.id);
  const [restored, setRestored] = useState<string | null>(null);
  const canRestore = template.can_edit && !template.archived;

  if (versions.isPending) return <p className="muted">Loading versions…</p>;
  if (versions.isError) return <Alert>{versions.error.message}</Alert>;
  const labelsOf = (version: number) =>
    Object.entries(template.labels)
      .filter(([, at]) => at === version)
      .map(([label]) => label);

  return (
    <>
      {restored ? <Alert tone="success">{restored}</Alert> : null}
      {restore.isError ? <Alert>{restore.error.message}</Alert> : null}
      <table className="table table-cards versions-table">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Note</th>
            <th scope="col">Saved</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {versions.data.items.map((item) => (
            <tr key={item.version} className={viewing === item.version ? "row-muted" : undefined}>
              <th scope="row" className="card-title">
                Version {item.version}
                {item.version === template.version ? <span className="tag">latest</span> : null}
                {labelsOf(item.version).map((label) => (
                  <span key={label} className="tag tag-success">
                    {label}
                  </span>
                ))}
              </th>
              <td data-label="Note">{item.note || <span className="muted">No note</span>}</td>
              <td data-label="Saved">{formatDateTime(item.created_at)}</td>
              <td className="actions">
                <Button
                  variant="secondary"
                  aria-label={`View version ${item.version}`}
                  onClick={() => onView(item.version)}
                >
                  View
                </Button>
                {canRestore && item.version !== template.version ? (
                  <Button
                    variant="secondary"
                    aria-label={`Restore version ${item.version}`}
                    busy={restore.isPending && restore.variables === item.version}
                    onClick={() =>
                      restore.mutate(item.version, {
                        onSuccess: (next) =>
                          setRestored(
                            `Version ${item.version} is restored as version ${next.version}.`,
                          ),
                      })
                    }
                  >
                    Restore
                  </Button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager
        page={page}
        pageSize={VERSIONS_PAGE_SIZE}
        total={versions.data.total}
        noun="versions"
        onPage={setPage}
      />
    </>
  );
}

function VersionContent({
  templateId,
  version,
  onClose,
}: {
  templateId: number;
  version: number;
  onClose: () => void;
}) {
  const read = useTemplateVersion(templateId, version);
  return (
    <Card
      title={`Version ${version}`}
      actions={
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      }
    >
      {read.isPending ? (
        <p className="muted">Loading version {version}…</p>
      ) : read.isError ? (
        <Alert>{read.error.message}</Alert>
      ) : (
        <>
          <p className="muted">
            {formatDateTime(read.data.created_at)}
            {read.data.note ? ` · ${read.data.note}` : ""}
          </p>
          <pre className="rendered-text">{read.data.content}</pre>
          <p className="muted">
            Variables:{" "}
            {read.data.variables.length === 0
              ? "none"
              : read.data.variables
                  .map((variable) => `${variable.name} (${variable.type ?? "text"})`)
                  .join(", ")}
          </p>
        </>
      )}
    </Card>
  );
}
