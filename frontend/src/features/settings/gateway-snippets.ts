/**
 * Ready-to-run examples for the OpenAI-compatible API: the base URL, and a Python and a curl
 * call with the key and the model filled in (placeholders where they are not known).
 */

/** Stands in for the key once the new key's one showing is over (or before one exists). */
export const KEY_PLACEHOLDER = "YOUR_API_KEY";
/** Stands in for the model when its name could not be read. */
export const MODEL_PLACEHOLDER = "MODEL_ID";

const EXAMPLE_QUESTION = "Say hello in one sentence.";

export interface SnippetInput {
  /** The `/v1` base URL, e.g. `https://portal.example/v1`. */
  baseUrl: string;
  apiKey?: string | null | undefined;
  model?: string | null | undefined;
}

/**
 * Where the API answers: the API's own origin when the app is built against another one,
 * else the page's origin (same-origin deployment and the dev proxy).
 */
export function gatewayBaseUrl(apiBaseUrl: string, pageOrigin: string): string {
  const origin = (apiBaseUrl || pageOrigin).replace(/\/+$/, "");
  return `${origin}/v1`;
}

/** A Python string literal: JSON's double-quoted form is valid Python for any text. */
function pyString(value: string): string {
  return JSON.stringify(value);
}

/** A single-quoted shell word, safe for any text (a `'` becomes `'\''`). */
function shellWord(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

function filled(input: SnippetInput): { key: string; model: string; baseUrl: string } {
  return {
    key: input.apiKey || KEY_PLACEHOLDER,
    model: input.model || MODEL_PLACEHOLDER,
    baseUrl: input.baseUrl,
  };
}

export function pythonSnippet(input: SnippetInput): string {
  const { key, model, baseUrl } = filled(input);
  return [
    "# pip install openai",
    "from openai import OpenAI",
    "",
    "client = OpenAI(",
    `    base_url=${pyString(baseUrl)},`,
    `    api_key=${pyString(key)},`,
    ")",
    "",
    "reply = client.chat.completions.create(",
    `    model=${pyString(model)},`,
    `    messages=[{"role": "user", "content": ${pyString(EXAMPLE_QUESTION)}}],`,
    "    # To continue a chat session kept by the portal, name it:",
    '    # extra_body={"session_id": "SESSION_ID"},',
    ")",
    "print(reply.choices[0].message.content)",
    "",
  ].join("\n");
}

export function curlSnippet(input: SnippetInput): string {
  const { key, model, baseUrl } = filled(input);
  const body = JSON.stringify({
    model,
    messages: [{ role: "user", content: EXAMPLE_QUESTION }],
  });
  return [
    `curl ${shellWord(`${baseUrl}/chat/completions`)} \\`,
    `  -H ${shellWord(`Authorization: Bearer ${key}`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellWord(body)}`,
    "",
  ].join("\n");
}
