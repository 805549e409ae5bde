import { useId } from "react";
import { Card } from "@/components/ui/card";
import { TextAreaField, TextField } from "@/components/ui/text-field";
import { type FormField, LIMITS, type TemplateFormValues, type Visibility } from "../template-form";

interface DetailsFieldsProps {
  values: TemplateFormValues;
  readOnly: boolean;
  errorOf: (field: FormField) => string | undefined;
  onChange: (patch: Partial<TemplateFormValues>) => void;
}

/** What a template is and who sees it: title, project, description, tags, visibility. */
export function DetailsFields({ values, readOnly, errorOf, onChange }: DetailsFieldsProps) {
  const visibilityId = useId();
  return (
    <Card title="Details">
      <div className="template-details">
        <TextField
          label="Title"
          value={values.title}
          maxLength={LIMITS.title}
          required
          readOnly={readOnly}
          error={errorOf("title")}
          onChange={(event) => onChange({ title: event.target.value })}
        />
        <TextField
          label="Project"
          value={values.project}
          maxLength={64}
          readOnly={readOnly}
          hint="The game it is for, e.g. maze. Optional."
          error={errorOf("project")}
          onChange={(event) => onChange({ project: event.target.value })}
        />
        <TextAreaField
          className="template-description"
          label="Description"
          rows={2}
          value={values.description}
          readOnly={readOnly}
          error={errorOf("description")}
          onChange={(event) => onChange({ description: event.target.value })}
        />
        <TextField
          label="Tags"
          value={values.tags}
          readOnly={readOnly}
          hint="Separated by commas, e.g. hints, short."
          error={errorOf("tags")}
          onChange={(event) => onChange({ tags: event.target.value })}
        />
        <fieldset className="choice-group" disabled={readOnly}>
          <legend>Visibility</legend>
          <div className="segmented">
            {(["private", "shared"] as Visibility[]).map((option) => (
              <label key={option} className={values.visibility === option ? "selected" : undefined}>
                <input
                  type="radio"
                  name={`visibility-${visibilityId}`}
                  value={option}
                  checked={values.visibility === option}
                  onChange={() => onChange({ visibility: option })}
                />
                {option === "private" ? "Private" : "Shared"}
              </label>
            ))}
          </div>
          <p className="field-hint">
            {values.visibility === "private"
              ? "Only you (and admins) can see it."
              : "Everyone signed in can read, render and use it; only you change it."}
          </p>
        </fieldset>
      </div>
    </Card>
  );
}
