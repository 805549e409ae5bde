import { useId } from "react";
import {
  type ThemeChoice as Choice,
  THEME_CHOICES,
  useSystemPrefersDark,
  useTheme,
} from "@/lib/theme";

const LABELS: Record<Choice, string> = { system: "System", light: "Light", dark: "Dark" };

/** System / Light / Dark, saved in this browser; "System" follows the device. */
export function ThemeChoice() {
  const [theme, setTheme] = useTheme();
  const systemDark = useSystemPrefersDark();
  const hintId = useId();
  return (
    <fieldset className="choice-group" aria-describedby={hintId}>
      <legend>Theme</legend>
      <div className="segmented">
        {THEME_CHOICES.map((choice) => (
          <label key={choice} className={theme === choice ? "selected" : undefined}>
            <input
              type="radio"
              name="theme"
              value={choice}
              checked={theme === choice}
              onChange={() => setTheme(choice)}
            />
            {LABELS[choice]}
          </label>
        ))}
      </div>
      <p id={hintId} className="field-hint">
        System follows your device (now {systemDark ? "dark" : "light"}). Saved in this browser.
      </p>
    </fieldset>
  );
}
