import { z } from "zod";

/**
 * Build-time settings (Vite exposes `VITE_*` variables). Validated once so a typo in a
 * deployment fails loudly at start instead of as a confusing network error later.
 */
const envSchema = z.object({
  /** Origin of the API, without a trailing slash. Empty means "same origin as the page". */
  VITE_API_BASE_URL: z
    .union([z.literal(""), z.url()])
    .default("")
    .transform((value) => value.replace(/\/+$/, "")),
});

export type Env = z.infer<typeof envSchema>;

function parseEnv(source: Record<string, unknown>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new Error(`Invalid front-end configuration: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export const env: Env = parseEnv(import.meta.env);
