/**
 * `{{variable}}` placeholders of a prompt template, marked in the editor so a writer sees which
 * parts will be filled in. The pattern mirrors the backend's rule (app/templates/render.py): a
 * name of letters, digits and underscores, not starting with a digit, at most 64 characters,
 * with optional spaces inside the braces. Anything else between braces stays plain text, as it
 * does when the template is rendered.
 */
import { Decoration, type DecorationSet, MatchDecorator, ViewPlugin } from "@codemirror/view";

/** One placeholder; group 1 is the variable's name. Global: use with matchAll or a fresh lastIndex. */
export const PLACEHOLDER_PATTERN = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;

const matcher = new MatchDecorator({
  regexp: PLACEHOLDER_PATTERN,
  decoration: (match) =>
    Decoration.mark({
      class: "cm-template-variable",
      attributes: { "data-variable": match[1] ?? "" },
    }),
});

/** Highlights every placeholder; redraws only the changed lines as the text changes. */
export const variableHighlight = ViewPlugin.define(
  (view) => {
    const plugin = {
      decorations: matcher.createDeco(view) as DecorationSet,
      update(update: Parameters<typeof matcher.updateDeco>[0]) {
        plugin.decorations = matcher.updateDeco(update, plugin.decorations);
      },
    };
    return plugin;
  },
  { decorations: (plugin) => plugin.decorations },
);
