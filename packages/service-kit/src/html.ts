/** Escaped HTML built with a tagged template: interpolations are escaped unless wrapped in `raw()`. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === false || value === undefined || value === null) return '';
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new SafeHtml(out);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
header{display:flex;gap:1rem;align-items:baseline;border-bottom:3px solid var(--accent);margin-bottom:1rem}
header b{color:var(--accent)}h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.15rem}
button,.button{background:var(--accent);color:#fff;border:0;border-radius:4px;padding:.45rem .9rem;font-size:1rem;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#595959}:focus-visible{outline:3px solid #1f3a5f;outline-offset:2px}
.card{border:1px solid #ddd;border-radius:6px;padding:.8rem 1rem;margin:.6rem 0}.muted{color:#595959;font-size:.9em}
.error{border-color:#b00020;background:#fff3f4}.ok{border-color:#2e7d32;background:#f3fbf3}code{font-size:.85em}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:left;border-bottom:1px solid #eee}`;

/**
 * A complete HTML page in the demo's plain style; `accent` tells the services apart at a glance and
 * must reach 4.5:1 against white (WCAG 2.2 1.4.3), as white button text sits on it. Every page is
 * Dutch, has one `<main>` and one `<h1>`, its title (docs/decisions.md I141).
 */
export function page(title: string, body: SafeHtml, options: { service: string; accent: string }): string {
  return `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)} – ${escapeHtml(options.service)}</title><style>:root{--accent:${options.accent}}${STYLE}</style></head>
<body><header><b>${escapeHtml(options.service)}</b></header><main><h1>${escapeHtml(title)}</h1>${body.value}</main></body></html>`;
}
