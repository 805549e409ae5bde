/** Server answers the playground tests share: two templates, their versions, runs, events. */
import type { TemplateRead, TemplateSummary, VersionRead } from "@/api/client";
import { json, type RouteMock } from "@/testing/fetch-mock";

const AT = "2026-11-30T06:00:00Z";

const VARIABLES_V1: TemplateRead["variables"] = [
  { name: "topic", type: "text", required: true, default: null, choices: null, description: "" },
];
const VARIABLES_V2: TemplateRead["variables"] = [
  ...VARIABLES_V1,
  {
    name: "tone",
    type: "choice",
    required: true,
    default: null,
    choices: ["calm", "cheerful"],
    description: "How it sounds",
  },
];

export function templateSummary(extra: Partial<TemplateSummary> = {}): TemplateSummary {
  return {
    id: 3,
    title: "Story teller",
    description: "",
    project: null,
    tags: [],
    visibility: "private",
    owner_id: 1,
    owner_name: "Ada",
    version: 2,
    labels: { production: 1 },
    archived: false,
    created_at: AT,
    updated_at: AT,
    can_edit: true,
    ...extra,
  };
}

export const STORY: TemplateRead = {
  ...templateSummary(),
  content: "Tell a {{tone}} story about {{topic}}.",
  variables: VARIABLES_V2,
  note: "tone",
};

export const SHARED = templateSummary({
  id: 5,
  title: "Riddles",
  owner_id: 2,
  owner_name: "Grace",
  visibility: "shared",
  version: 1,
  labels: {},
  can_edit: false,
});

export function versionRead(version: 1 | 2): VersionRead {
  return {
    template_id: 3,
    version,
    content: version === 1 ? "Tell a story about {{topic}}." : STORY.content,
    variables: version === 1 ? VARIABLES_V1 : VARIABLES_V2,
    note: version === 1 ? "" : "tone",
    created_at: AT,
  };
}

export const event = (name: string, data: unknown) =>
  `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

export const runEvent = (runId: number, cells: [number, number, number][]) =>
  event("run", {
    run_id: runId,
    cells: cells.map(([v, i, version]) => ({ v, i, template_id: 3, version })),
  });

export const cellDone = (v: number, i: number, text: string, cacheN = 0) =>
  event("cell_done", {
    v,
    i,
    text,
    usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
    ttft_ms: 120,
    total_ms: 1350,
    cache_n: cacheN,
  });

/** The templates API as it answers for STORY and SHARED, plus the routes a test adds. */
export function playgroundRoutes(
  routes: RouteMock[],
  { runs = [] as unknown[] } = {},
): RouteMock[] {
  const has = (method: string, path: string) =>
    routes.some((route) => route.method === method && route.path === path);
  const defaults: RouteMock[] = [
    {
      method: "GET",
      path: "/api/templates",
      handler: () =>
        json({ items: [templateSummary(), SHARED], total: 2, page: 1, page_size: 100 }),
    },
    { method: "GET", path: "/api/templates/3", handler: () => json(STORY) },
    {
      method: "GET",
      path: "/api/templates/3/versions",
      handler: () =>
        json({
          items: [
            { version: 2, note: "tone", created_at: AT, created_by: 1 },
            { version: 1, note: "", created_at: AT, created_by: 1 },
          ],
          total: 2,
          page: 1,
          page_size: 100,
        }),
    },
    { method: "GET", path: "/api/templates/3/versions/1", handler: () => json(versionRead(1)) },
    { method: "GET", path: "/api/templates/3/versions/2", handler: () => json(versionRead(2)) },
    {
      method: "GET",
      path: "/api/playground/runs",
      handler: () => json({ items: runs, total: runs.length, page: 1, page_size: 20 }),
    },
  ];
  return [...routes, ...defaults.filter((route) => !has(route.method, route.path))];
}
