import { escapeHtml } from "../core/http/escape-html.js";

/** `{{name}}`: letters, digits and underscores only, so a template has nothing else to parse. */
const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;
/** Control characters except tab and newline: a value must not smuggle in a carriage return. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

export type TemplateValues = Readonly<Record<string, string>>;

/**
 * Fills `{{name}}` placeholders for an HTML body. Every value is escaped (there is no "raw"
 * form on purpose: the templates are ours, the values may come from users). A placeholder
 * without a value throws, so a typo never ships a literal `{{link}}` to someone's inbox.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  return fill(template, values, (value) => escapeHtml(value.replace(CONTROL, "")));
}

/**
 * The plain-text twin: no HTML escaping (it would show up as `&#38;`), but control characters
 * other than tab and newline are dropped, so a value cannot fake extra lines with `\r`.
 * Use `singleLine` for subjects.
 */
export function renderText(template: string, values: TemplateValues): string {
  return fill(template, values, (value) => value.replace(CONTROL, ""));
}

/** For subjects: one line, whatever the values hold. */
export function singleLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

function fill(template: string, values: TemplateValues, encode: (value: string) => string): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (typeof value !== "string") throw new Error(`template value "${name}" is missing`);
    return encode(value);
  });
}
