import { useId, useState } from "react";
import { env } from "@/config/env";
import { useServedModel } from "../api";
import {
  curlSnippet,
  gatewayBaseUrl,
  KEY_PLACEHOLDER,
  MODEL_PLACEHOLDER,
  pythonSnippet,
  type SnippetInput,
} from "../gateway-snippets";
import { CopyButton } from "./copy-button";
import "../settings.css";

type Language = "python" | "curl";

const EXAMPLES: Record<Language, { label: string; build: (input: SnippetInput) => string }> = {
  python: { label: "Python", build: pythonSnippet },
  curl: { label: "curl", build: curlSnippet },
};
const LANGUAGES = Object.keys(EXAMPLES) as Language[];

interface GatewayPanelProps {
  /** The key just created, while its one showing lasts; null shows a placeholder instead. */
  apiKey: string | null;
}

/** The base URL for OpenAI SDK clients, and a call to copy in Python or curl. */
export function GatewayPanel({ apiKey }: GatewayPanelProps) {
  const baseUrl = gatewayBaseUrl(env.VITE_API_BASE_URL, window.location.origin);
  const model = useServedModel();
  const [language, setLanguage] = useState<Language>("python");
  const baseUrlId = useId();
  const languageName = useId();
  const example = EXAMPLES[language];
  const modelName = model.data ?? null;
  const snippet = example.build({ baseUrl, apiKey, model: modelName });

  return (
    <div className="gateway">
      <p>
        Code written for the OpenAI SDK works with this portal: give it the base URL below and one
        of your API keys.
      </p>
      <div className="field">
        <label htmlFor={baseUrlId}>Base URL</label>
        <div className="gateway-row">
          <input
            id={baseUrlId}
            className="mono"
            readOnly
            value={baseUrl}
            onFocus={(event) => event.currentTarget.select()}
          />
          <CopyButton text={baseUrl} what="base URL" />
        </div>
      </div>
      <p className="field-hint">
        <ModelNote pending={model.isPending} name={modelName} />
      </p>
      <fieldset className="choice-group">
        <legend>Example</legend>
        <div className="segmented">
          {LANGUAGES.map((value) => (
            <label key={value} className={language === value ? "selected" : undefined}>
              <input
                type="radio"
                name={languageName}
                value={value}
                checked={language === value}
                onChange={() => setLanguage(value)}
              />
              {EXAMPLES[value].label}
            </label>
          ))}
        </div>
      </fieldset>
      <p className="field-hint">
        {apiKey ? (
          "Your new key is filled in: copy the example now, the key will not be shown again."
        ) : (
          <>
            Replace <code>{KEY_PLACEHOLDER}</code> with one of your keys; a key created above is
            filled in for you.
          </>
        )}
      </p>
      <div className="snippet">
        <div className="snippet-bar">
          <span className="mono">{example.label}</span>
          <CopyButton text={snippet} what={`${example.label} example`} />
        </div>
        <pre>
          <code>{snippet}</code>
        </pre>
      </div>
    </div>
  );
}

function ModelNote({ pending, name }: { pending: boolean; name: string | null }) {
  if (pending) return "Looking up the model…";
  if (name) {
    return (
      <>
        Model: <code>{name}</code>
      </>
    );
  }
  return (
    <>
      The model’s name could not be read: replace <code>{MODEL_PLACEHOLDER}</code> with an id from{" "}
      <code>GET /v1/models</code>.
    </>
  );
}
