/** Self-contained HTML pages (inline SVG figures, tables, no scripts, no external files) and their parts. */

export interface PageSection {
  title: string;
  /** Inline SVG markup. */
  svg?: string;
  /** Preformatted text or an HTML fragment (escaped unless `html` is true). */
  text?: string;
  html?: boolean;
}

/** One self-contained HTML page: inline SVG figures, no scripts, no external files. */
export function htmlPage(title: string, sections: PageSection[], subtitle = ''): string {
  const body = sections
    .map((s) => {
      const text = s.text === undefined ? '' : s.html ? s.text : `<pre>${escapeHtml(s.text)}</pre>`;
      return `<section><h2>${escapeHtml(s.title)}</h2>${text}${s.svg ? `<figure>${s.svg}</figure>` : ''}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em}
figure{margin:1em 0}svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}
thead th{background:#f3f3f3}table.fields th{text-align:left;background:#f8f8f8;font-weight:600}
table.fields td{text-align:left}p.note{color:#555;font-size:.92em}
</style></head><body>
<h1>${escapeHtml(title)}</h1>${subtitle ? `<p>${escapeHtml(subtitle)}</p>` : ''}
${body}
</body></html>
`;
}

/** An HTML table (every cell escaped); numbers and other short values right-aligned by the page's style. */
export function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = (tag: string, row: readonly string[]) => row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('');
  const body = rows.map((r) => `<tr>${cells('td', r)}</tr>`).join('\n');
  return `<table><thead><tr>${cells('th', header)}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A two-column table of named values (a summary, a verdict). */
export function htmlFields(fields: readonly (readonly [string, string])[]): string {
  const rows = fields.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<table class="fields"><tbody>\n${rows}\n</tbody></table>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
