import { defineConfig } from "@hey-api/openapi-ts";

/**
 * Generates src/api/client from the backend's OpenAPI schema (frontend/openapi.json, written
 * by scripts/generate-client.sh). Operations are grouped by tag, so a route named
 * `login_user` tagged `auth` is called as `AuthService.loginUser(...)`.
 */
export default defineConfig({
  input: "openapi.json",
  output: { path: "src/api/client" },
  plugins: [
    {
      name: "@hey-api/client-fetch",
      // Base URL, bearer token and 401 handling live in src/api/http.ts (path relative to the output).
      runtimeConfigPath: "../http",
    },
    "@hey-api/typescript",
    {
      name: "@hey-api/sdk",
      operations: { strategy: "byTags", containerName: "{{name}}Service", methods: "static" },
    },
  ],
});
