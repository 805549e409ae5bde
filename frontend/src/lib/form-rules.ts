/**
 * The API's input rules, checked in the browser first so a person hears about a mistake next to
 * the field, in plain words, before anything is sent. They mirror backend/app/users/schemas.py
 * (passwords, display names), app/auth/schemas.py (API keys) and pydantic's email check; the
 * server stays the judge, and `plainFieldMessage` rewords what it says when it disagrees.
 */

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const EMAIL_MAX = 254;
export const NAME_MAX = 100;
export const KEY_DAYS_MAX = 3650;

export const PASSWORD_HINT = `${PASSWORD_MIN} to ${PASSWORD_MAX} characters, mixing letters with digits or symbols.`;

/** Python's `len`: code points, not UTF-16 units. */
function length(value: string): number {
  return [...value].length;
}

/** A message for the person, or undefined when the value is fine. */
/** A field's check: its message, or undefined when fine. */
export type Rule = (value: string) => string | undefined;
/** A check that also compares with the form's other fields (a `Rule` is one too). */
export type FieldRule = (
  value: string,
  values: Readonly<Record<string, string>>,
) => string | undefined;

/** Roughly what pydantic's EmailStr accepts: one @, no spaces, a dot in the domain. */
export const emailRule: Rule = (value) => {
  const email = value.trim();
  if (!email) return "Enter your email address.";
  if (length(email) > EMAIL_MAX) return `Use at most ${EMAIL_MAX} characters.`;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(email) || /\.\./.test(email)) {
    return "Enter an email address like name@example.com.";
  }
  return undefined;
};

/** A new password: the strength rule of `check_password_strength`. */
export const newPasswordRule: Rule = (value) => {
  if (!value) return "Enter a password.";
  if (length(value) < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (length(value) > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  const hasLetter = /\p{L}/u.test(value);
  const hasOther = /[^\p{L}]/u.test(value);
  if (!(hasLetter && hasOther)) return "Mix letters with digits or symbols.";
  return undefined;
};

/** A password being checked against the stored one: only its presence and size. */
export const passwordRule: Rule = (value) => {
  if (!value) return "Enter your password.";
  if (length(value) > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  return undefined;
};

/** A display name is optional on sign-up; when given it is 1–100 characters. */
export const displayNameRule: Rule = (value) =>
  length(value.trim()) > NAME_MAX ? `Use at most ${NAME_MAX} characters.` : undefined;

export const requiredNameRule: Rule = (value) => {
  if (!value.trim()) return "Enter a name.";
  return displayNameRule(value);
};

/** "Expires in (days)": empty means never, otherwise a whole number 1–3650. */
export const keyDaysRule: Rule = (value) => {
  const text = value.trim();
  if (!text) return undefined;
  if (!/^\d+$/.test(text)) return "Enter a whole number of days, or leave it empty for never.";
  const days = Number.parseInt(text, 10);
  if (days < 1) return "Use at least 1 day, or leave it empty for never.";
  if (days > KEY_DAYS_MAX) return `Use at most ${KEY_DAYS_MAX} days (about ten years).`;
  return undefined;
};

export type FieldErrors<F extends string> = Partial<Record<F, string>>;

/** Run each field's rule; only the fields with a problem appear in the result. */
export function checkFields<F extends string>(
  values: Record<F, string>,
  rules: Partial<Record<F, FieldRule>>,
): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  for (const field of Object.keys(rules) as F[]) {
    const message = rules[field]?.(values[field], values);
    if (message) errors[field] = message;
  }
  return errors;
}

function sentence(text: string): string {
  const trimmed = text.trim().replace(/[.\s]+$/, "");
  return trimmed ? `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}.` : "";
}

const REWORDINGS: [RegExp, (match: RegExpExecArray) => string][] = [
  [/^field required$/i, () => "This is required."],
  [/at least (\d+) characters?/i, (m) => `Use at least ${m[1]} characters.`],
  [/at most (\d+) characters?/i, (m) => `Use at most ${m[1]} characters.`],
  [/not a valid email/i, () => "Enter an email address like name@example.com."],
  [/greater than or equal to (\d+)/i, (m) => `Use at least ${m[1]}.`],
  [/less than or equal to (\d+)/i, (m) => `Use at most ${m[1]}.`],
  [/valid integer/i, () => "Enter a whole number."],
  [/must mix letters with digits or symbols/i, () => "Mix letters with digits or symbols."],
  [/NUL characters/i, () => "Remove the invisible control characters."],
  [/lone UTF-16 surrogate/i, () => "Remove the broken characters (for example half an emoji)."],
];

/**
 * A server field message ("Value error, must mix…", "String should have at least 8
 * characters") in the words the form uses itself.
 */
export function plainFieldMessage(message: string): string {
  const text = message.replace(/^value error,\s*/i, "");
  for (const [pattern, reword] of REWORDINGS) {
    const match = pattern.exec(text);
    if (match) return reword(match);
  }
  return sentence(text);
}
