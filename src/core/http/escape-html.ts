/**
 * Escapes the five characters that matter in HTML text and in quoted attribute values, so an
 * interpolated value can never open a tag, close an attribute or start an entity. Numeric
 * references for all five keep the output the same whatever the surrounding context.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
