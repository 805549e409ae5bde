import { Link } from "@tanstack/react-router";
import { type ChangeEvent, useEffect, useId, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/lib/format";
import { PAGE_SIZE, type TemplateFilters, type TemplateSummary, useTemplates } from "../api";
import { Pager } from "./pager";
import "../templates.css";

interface TemplateListProps {
  filters: TemplateFilters;
  onFilters: (filters: TemplateFilters) => void;
  /** The signed-in user's id: their own templates say "you" instead of a name. */
  viewerId: number | undefined;
}

const SEARCH_DELAY_MS = 300;

/** Text filters follow the typing after a short pause; the address keeps them. */
function useDebouncedFilter(value: string | undefined, apply: (value: string) => void) {
  const [text, setText] = useState(value ?? "");
  const applyRef = useRef(apply);
  applyRef.current = apply;
  // The address changed (Back, a tag clicked): show what it says.
  useEffect(() => setText(value ?? ""), [value]);
  useEffect(() => {
    if (text.trim() === (value ?? "")) return;
    const timer = setTimeout(() => applyRef.current(text.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, value]);
  return [text, (event: ChangeEvent<HTMLInputElement>) => setText(event.target.value)] as const;
}

/** Search, filter and page through the templates the viewer can see. */
export function TemplateList({ filters, onFilters, viewerId }: TemplateListProps) {
  const templates = useTemplates(filters);
  const set = (patch: TemplateFilters) => onFilters({ ...filters, page: undefined, ...patch });
  const [q, onQ] = useDebouncedFilter(filters.q, (value) => set({ q: value || undefined }));
  const [tag, onTag] = useDebouncedFilter(filters.tag, (value) => set({ tag: value || undefined }));
  const [project, onProject] = useDebouncedFilter(filters.project, (value) =>
    set({ project: value || undefined }),
  );
  const ids = { q: useId(), tag: useId(), project: useId(), results: useId() };
  const filtered = Boolean(
    filters.q || filters.tag || filters.project || filters.mine || filters.archived,
  );

  return (
    <div className="stack">
      <search className="template-filters" aria-label="Filter templates">
        <div className="field template-search">
          <label htmlFor={ids.q}>Search</label>
          <input
            id={ids.q}
            type="search"
            value={q}
            placeholder="Title, description or content"
            onChange={onQ}
            aria-controls={ids.results}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.tag}>Tag</label>
          <input id={ids.tag} value={tag} onChange={onTag} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={ids.project}>Project</label>
          <input id={ids.project} value={project} onChange={onProject} autoComplete="off" />
        </div>
        <div className="template-checks">
          <label>
            <input
              type="checkbox"
              checked={Boolean(filters.mine)}
              onChange={(event) => set({ mine: event.target.checked || undefined })}
            />{" "}
            Only mine
          </label>
          <label>
            <input
              type="checkbox"
              checked={Boolean(filters.archived)}
              onChange={(event) => set({ archived: event.target.checked || undefined })}
            />{" "}
            Archived
          </label>
        </div>
      </search>
      <section id={ids.results} aria-label="Templates" aria-busy={templates.isFetching}>
        {templates.isPending ? (
          <p className="muted">Loading templates…</p>
        ) : templates.isError ? (
          <Alert>{templates.error.message}</Alert>
        ) : templates.data.items.length === 0 ? (
          <div className="empty">
            {filtered ? (
              <p>
                No template matches these filters.{" "}
                <Button variant="ghost" onClick={() => onFilters({})}>
                  Clear the filters
                </Button>
              </p>
            ) : (
              <p>
                No templates yet. <Link to="/templates/new">Write your first one</Link>: a prompt
                with <code>{"{{variables}}"}</code> that every version keeps.
              </p>
            )}
          </div>
        ) : (
          <>
            <p className="muted" aria-live="polite">
              {templates.data.total} {templates.data.total === 1 ? "template" : "templates"}
              {filtered ? " match" : ""}
            </p>
            <ul className="template-cards">
              {templates.data.items.map((template) => (
                <TemplateCard
                  key={template.id}
                  template={template}
                  viewerId={viewerId}
                  onTag={(name) => set({ tag: name })}
                />
              ))}
            </ul>
            <Pager
              page={templates.data.page}
              pageSize={PAGE_SIZE}
              total={templates.data.total}
              noun="templates"
              onPage={(page) => onFilters({ ...filters, page: page > 1 ? page : undefined })}
            />
          </>
        )}
      </section>
    </div>
  );
}

function TemplateCard({
  template,
  viewerId,
  onTag,
}: {
  template: TemplateSummary;
  viewerId: number | undefined;
  onTag: (tag: string) => void;
}) {
  const labels = Object.entries(template.labels).sort(([a], [b]) => a.localeCompare(b));
  return (
    <li className="card template-card">
      <div className="template-card-head">
        <h2>
          <Link to="/templates/$templateId" params={{ templateId: String(template.id) }}>
            {template.title}
          </Link>
        </h2>
        <span className="template-version">v{template.version}</span>
      </div>
      <p className="template-meta muted">
        <span className={template.visibility === "shared" ? "tag" : "tag tag-warn"}>
          {template.visibility === "shared" ? "Shared" : "Private"}
        </span>
        {template.archived ? <span className="tag tag-danger">Archived</span> : null}
        {template.project ? <span>Project {template.project}</span> : null}
        <span>by {template.owner_id === viewerId ? "you" : template.owner_name}</span>
        <span>updated {formatDateTime(template.updated_at)}</span>
      </p>
      {template.description ? (
        <p className="template-description-text">{template.description}</p>
      ) : null}
      {labels.length > 0 ? (
        <p className="template-labels">
          {labels.map(([label, version]) => (
            <span key={label} className="tag tag-success">
              {label} → v{version}
            </span>
          ))}
        </p>
      ) : null}
      {template.tags.length > 0 ? (
        <ul className="template-tags" aria-label="Tags">
          {template.tags.map((tag) => (
            <li key={tag}>
              <button
                type="button"
                className="tag tag-button"
                aria-label={`Show templates tagged ${tag}`}
                onClick={() => onTag(tag)}
              >
                #{tag}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
