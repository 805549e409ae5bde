/**
 * API keys for REST callers and game clients, over the generated client; and the model the
 * OpenAI-compatible API serves, for the examples shown with them.
 */
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ApiKeyCreate, type ApiKeyCreated, KeysService, LlmService } from "@/api/client";
import { apiFetch, apiUrl, unwrap } from "@/api/http";

export const apiKeyKeys = {
  all: ["api-keys"] as const,
  list: () => [...apiKeyKeys.all, "list"] as const,
  servedModel: () => ["served-model"] as const,
};

export const apiKeysQueryOptions = () =>
  queryOptions({
    queryKey: apiKeyKeys.list(),
    queryFn: ({ signal }) => unwrap(KeysService.listApiKeys({ signal })),
  });

export function useApiKeys() {
  return useQuery(apiKeysQueryOptions());
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (data: ApiKeyCreate): Promise<ApiKeyCreated> =>
      unwrap(KeysService.createApiKey({ body: data })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.all }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (keyId: number) => unwrap(KeysService.deleteApiKey({ path: { key_id: keyId } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.all }),
  });
}

/** The first id of an OpenAI model list (`{"data": [{"id": ...}, ...]}`), if there is one. */
export function firstModelId(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) return null;
  const first: unknown = data[0];
  if (typeof first !== "object" || first === null) return null;
  const id = (first as { id?: unknown }).id;
  return typeof id === "string" && id !== "" ? id : null;
}

function isAbort(cause: unknown): boolean {
  return typeof cause === "object" && cause !== null && (cause as Error).name === "AbortError";
}

/** `GET /v1/models` (not in the generated client): null when it is not served or unreadable. */
async function gatewayModel(signal: AbortSignal): Promise<string | null> {
  try {
    const response = await apiFetch(apiUrl("/v1/models"), { signal });
    if (!response.ok) return null;
    return firstModelId(await response.json());
  } catch (cause) {
    if (isAbort(cause)) throw cause;
    return null;
  }
}

/**
 * The model name to put in the examples. `/v1/models` lists exactly the ids the API accepts
 * (any other is refused as an unknown model), so it comes first; the LLM health check names
 * the same model where that list cannot be read. Null when neither says.
 */
export async function fetchServedModel(signal: AbortSignal): Promise<string | null> {
  const listed = await gatewayModel(signal);
  if (listed) return listed;
  const health = await unwrap(LlmService.readLlmHealth({ signal }));
  return health.model || null;
}

export function useServedModel() {
  return useQuery({
    queryKey: apiKeyKeys.servedModel(),
    queryFn: ({ signal }) => fetchServedModel(signal),
    staleTime: 5 * 60_000,
    retry: false,
  });
}
