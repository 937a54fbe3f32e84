/** Values a template may be rendered into. */
export type TemplateValue = string | string[] | Record<string, string>;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function renderString(value: string, vars: Record<string, string | number>): string {
  // Unknown placeholders stay as written: commands may contain literal braces (shell snippets, JSON).
  return value.replace(PLACEHOLDER, (whole, key: string) =>
    Object.prototype.hasOwnProperty.call(vars, key) ? String(vars[key]) : whole,
  );
}

/** Replaces `{name}` placeholders in a string, each element of an array, or each key and value of a record. */
export function renderTemplate<T extends TemplateValue>(value: T, vars: Record<string, string | number>): T {
  if (typeof value === 'string') return renderString(value, vars) as T;
  if (Array.isArray(value)) return value.map((item) => renderString(item, vars)) as T;
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) out[renderString(key, vars)] = renderString(item, vars);
  return out as T;
}
