/**
 * The Prometheus text exposition format (0.0.4), read and written. Scraped service metrics
 * are parsed so the relay can drop timestamps (Pushgateway refuses them), keep a raw series
 * copy in the results folder, and aggregate them; written back for the push.
 */

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  type?: string;
  help?: string;
}

export interface ParsedMetrics {
  families: Map<string, MetricFamily>;
  samples: MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`not a number: ${JSON.stringify(text)}`);
  return value;
}

/** Labels `{a="x",b="y\"z"}` starting at `line[start] === '{'`; returns them and the end. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
    if (!name || line[i + name.length] !== '=' || line[i + name.length + 1] !== '"')
      throw new Error(`bad label at column ${i + 1}`);
    i += name.length + 2;
    let value = '';
    for (;;) {
      const c = line[i++];
      if (c === undefined) throw new Error('unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = line[i++];
        value += next === 'n' ? '\n' : (next ?? '');
      } else value += c;
    }
    labels[name] = value;
  }
}

export function parsePromText(text: string): ParsedMetrics {
  const families = new Map<string, MetricFamily>();
  const samples: MetricSample[] = [];
  const family = (name: string) => {
    const f = families.get(name) ?? {};
    families.set(name, f);
    return f;
  };
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      if (line.startsWith('#')) {
        const meta = /^#\s+(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
        if (meta?.[1] === 'TYPE') family(meta[2]!).type = meta[3]!.trim();
        else if (meta?.[1] === 'HELP') family(meta[2]!).help = meta[3]!;
        return;
      }
      const name = NAME.exec(line)?.[0];
      if (!name) throw new Error('no metric name');
      let rest = line.slice(name.length);
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) {
        const parsed = parseLabels(rest, 0);
        labels = parsed.labels;
        rest = rest.slice(parsed.end);
      }
      const [value, timestamp] = rest.trim().split(/\s+/);
      const sample: MetricSample = { name, labels, value: parseValue(value ?? '') };
      if (timestamp !== undefined) sample.timestampMs = parseValue(timestamp);
      samples.push(sample);
    } catch (err) {
      throw new Error(`line ${index + 1}: ${(err as Error).message}: ${raw.slice(0, 120)}`);
    }
  });
  return { families, samples };
}

function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

export function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** The family a sample belongs to: `x_bucket`/`x_sum`/`x_count` belong to histogram `x`. */
export function familyOf(name: string, families: Map<string, MetricFamily>): string {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count|total|created)$/, '');
  return families.has(base) ? base : name;
}

/** Text for a push: samples grouped under their family's HELP/TYPE, timestamps left out. */
export function formatPromText(parsed: ParsedMetrics): string {
  const grouped = new Map<string, MetricSample[]>();
  for (const sample of parsed.samples) {
    const key = familyOf(sample.name, parsed.families);
    const list = grouped.get(key) ?? [];
    grouped.set(key, list);
    list.push(sample);
  }
  const out: string[] = [];
  for (const [name, samples] of grouped) {
    const meta = parsed.families.get(name);
    if (meta?.help !== undefined) out.push(`# HELP ${name} ${meta.help}`);
    if (meta?.type !== undefined) out.push(`# TYPE ${name} ${meta.type}`);
    for (const s of samples) out.push(`${s.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
