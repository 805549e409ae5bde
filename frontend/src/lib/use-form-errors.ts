/**
 * Field errors for a form: the client-side rules on submit, the server's 400 details mapped to
 * the same fields in plain words, and focus moved to the first field in error so a keyboard or
 * screen-reader user lands on it. After the first submit, edits re-check as the person types.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "@/api/http";
import { checkFields, type FieldErrors, type FieldRule, plainFieldMessage } from "./form-rules";

export interface FormErrors<F extends string> {
  errors: FieldErrors<F>;
  formRef: React.RefObject<HTMLFormElement | null>;
  /** On submit: check every field; false (and focus on the first error) when one fails. */
  validate: (values: Record<F, string>) => boolean;
  /** On change: re-check, once the person has tried to submit. */
  recheck: (values: Record<F, string>) => void;
  /**
   * After a failed request: put the server's field messages on the fields this form has
   * (`overrides` rewords a field's message). True when at least one field got a message.
   */
  showServerErrors: (error: unknown, overrides?: Partial<Record<F, string>>) => boolean;
  reset: () => void;
}

export function useFormErrors<F extends string>(
  rules: Partial<Record<F, FieldRule>>,
): FormErrors<F> {
  const [errors, setErrors] = useState<FieldErrors<F>>({});
  const [submitted, setSubmitted] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const rulesRef = useRef(rules);
  rulesRef.current = rules;

  useEffect(() => {
    if (focusRequest === 0) return;
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.focus();
  }, [focusRequest]);

  const validate = useCallback((values: Record<F, string>) => {
    const found = checkFields(values, rulesRef.current);
    setErrors(found);
    setSubmitted(true);
    const ok = Object.keys(found).length === 0;
    if (!ok) setFocusRequest((n) => n + 1);
    return ok;
  }, []);

  const recheck = useCallback(
    (values: Record<F, string>) => {
      if (submitted) setErrors(checkFields(values, rulesRef.current));
    },
    [submitted],
  );

  const showServerErrors = useCallback(
    (error: unknown, overrides: Partial<Record<F, string>> = {}) => {
      if (!(error instanceof ApiError)) return false;
      const found: FieldErrors<F> = {};
      const known = new Set(Object.keys(rulesRef.current));
      for (const [field, message] of Object.entries(error.fieldErrors())) {
        if (!known.has(field)) continue;
        found[field as F] = overrides[field as F] ?? plainFieldMessage(message);
      }
      if (Object.keys(found).length === 0) return false;
      setErrors(found);
      setSubmitted(true);
      setFocusRequest((n) => n + 1);
      return true;
    },
    [],
  );

  const reset = useCallback(() => {
    setErrors({});
    setSubmitted(false);
  }, []);

  return { errors, formRef, validate, recheck, showServerErrors, reset };
}

/**
 * The form-level message for a failed request: the server's sentence, except that a
 * validation error nobody could put on a field is reworded like a field message.
 */
export function plainErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = Object.values(error.fieldErrors());
    if (error.status === 400 && fields[0]) return plainFieldMessage(fields[0]);
    return error.message;
  }
  return error instanceof Error ? error.message : "Something went wrong. Try again.";
}

/** What a text field needs from its form: spread it into `<TextField>`. */
export interface FieldProps<F extends string> {
  name: F;
  value: string;
  error: string | undefined;
  onChange: (event: { target: { value: string } }) => void;
}

export interface FormFields<F extends string> extends FormErrors<F> {
  values: Record<F, string>;
  field: (name: F) => FieldProps<F>;
  /** On submit: check the values as they stand (see `validate`). */
  check: () => boolean;
  /** Back to the first values, with no errors shown. */
  clear: () => void;
}

/** A form's values and their errors together; `onEdit` runs after every change. */
export function useFormFields<F extends string>(
  rules: Partial<Record<F, FieldRule>>,
  initial: Record<F, string>,
  onEdit?: () => void,
): FormFields<F> {
  const [values, setValues] = useState(initial);
  const form = useFormErrors<F>(rules);
  const edit = (name: F, value: string) => {
    const next = { ...values, [name]: value };
    setValues(next);
    form.recheck(next);
    onEdit?.();
  };
  return {
    ...form,
    values,
    field: (name) => ({
      name,
      value: values[name],
      error: form.errors[name],
      onChange: (event) => edit(name, event.target.value),
    }),
    check: () => form.validate(values),
    clear: () => {
      setValues(initial);
      form.reset();
    },
  };
}
