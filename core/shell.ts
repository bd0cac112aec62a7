/**
 * Shell quoting for values that end up in job scripts. Single quotes make every character
 * literal in POSIX shells; the only character that needs care is the single quote itself.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('NUL character cannot be passed to a shell');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Fills `{{name}}` placeholders. Values must already be safe shell text (built with
 * shellQuote); an unknown or unused placeholder is an error so templates and code stay in step.
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{([a-z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    used.add(name);
    return value;
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`template does not use: ${unused.join(', ')}`);
  return out;
}
