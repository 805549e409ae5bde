import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useMe } from "@/features/auth/api";
import type { TemplateFilters } from "@/features/templates/api";
import { ImportExport } from "@/features/templates/components/import-export";
import { TemplateList } from "@/features/templates/components/template-list";

export type TemplatesSearch = TemplateFilters;

function word(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim().slice(0, 200) : undefined;
}

function flag(value: unknown): true | undefined {
  return value === true || value === "true" ? true : undefined;
}

/** `/templates?q=…&tag=…&project=…&mine=true&page=2`: the address keeps the filters. */
export function validateTemplatesSearch(search: Record<string, unknown>): TemplatesSearch {
  const page = Number(search.page);
  return {
    q: word(search.q),
    tag: word(search.tag),
    project: word(search.project),
    mine: flag(search.mine),
    archived: flag(search.archived),
    page: Number.isInteger(page) && page > 1 && page <= 10_000 ? page : undefined,
  };
}

/** The prompt library: every template the person can see, to search, open, import and export. */
export function TemplatesPage() {
  const filters = useSearch({ from: "/authenticated/templates" });
  const navigate = useNavigate();
  const me = useMe();
  return (
    <main className="page page-wide templates-page" id="main">
      <div className="page-heading">
        <h1>Templates</h1>
        <div className="button-row">
          <ImportExport />
          <Link to="/templates/new" className="btn btn-primary">
            New template
          </Link>
        </div>
      </div>
      <p className="lead">
        Prompts with typed <code>{"{{variables}}"}</code>. Every saved change is a version you can
        compare, restore and label; chats, the playground and games use them by version or label.
      </p>
      <TemplateList
        filters={filters}
        onFilters={(next) => void navigate({ to: "/templates", search: next, replace: true })}
        viewerId={me.data?.id}
      />
    </main>
  );
}
