/** Builds exposition text for a push: families with HELP/TYPE, our labels on every series. */
import { formatLabels } from './prom-text';

type Labels = Record<string, string>;

export class ExpositionBuilder {
  private readonly lines: string[] = [];

  constructor(private readonly common: Labels = {}) {}

  add(
    type: 'gauge' | 'counter',
    name: string,
    help: string,
    series: [labels: Labels, value: number | null | undefined][],
  ): this {
    const known = series.filter(
      (s): s is [Labels, number] => typeof s[1] === 'number' && Number.isFinite(s[1]),
    );
    if (known.length === 0) return this;
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of known) {
      this.lines.push(`${name}${formatLabels({ ...this.common, ...labels })} ${value}`);
    }
    return this;
  }

  gauge(name: string, help: string, value: number | null | undefined, labels: Labels = {}): this {
    return this.add('gauge', name, help, [[labels, value]]);
  }

  counter(name: string, help: string, value: number | null | undefined, labels: Labels = {}): this {
    return this.add('counter', name, help, [[labels, value]]);
  }

  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}
