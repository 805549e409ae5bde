import type { TemplateRead, TemplateSummary } from "../api";

/** A template as the API returns it: Ada's, version 2, `production` on version 1. */
export function savedTemplate(overrides: Partial<TemplateRead> = {}): TemplateRead {
  return {
    id: 3,
    title: "Maze hints",
    description: "Hints for the maze",
    project: "maze",
    tags: ["hints"],
    visibility: "private",
    owner_id: 1,
    owner_name: "Ada",
    version: 2,
    labels: { production: 1 },
    archived: false,
    created_at: "2026-11-30T10:00:00Z",
    updated_at: "2026-11-30T11:00:00Z",
    can_edit: true,
    content: "Help with {{topic}}.",
    variables: [
      {
        name: "topic",
        type: "text",
        required: true,
        default: null,
        choices: null,
        description: "",
      },
    ],
    note: "",
    ...overrides,
  };
}

export function summaryOf(template: TemplateRead): TemplateSummary {
  const { content: _content, variables: _variables, note: _note, ...summary } = template;
  return summary;
}
