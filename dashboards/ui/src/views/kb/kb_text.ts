// Safe rendering of knowledge-base text: everything is HTML-escaped first, then a few Markdown
// forms (headings, **bold**, - lists, line breaks) and the search snippet's «marks» become tags
// we write ourselves. No HTML from an article or a note ever reaches the page as HTML.

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

// snippetHtml: a search snippet with its «term» highlighted.
export function snippetHtml(s: string): string {
  return escapeHtml(s).replace(/«([^«»]*)»/g, "<mark>$1</mark>");
}

function inline(s: string): string {
  return s.replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
}

// markdownHtml renders an article's body.
export function markdownHtml(src: string): string {
  const out: string[] = [];
  let list = false;
  for (const raw of escapeHtml(src).split(/\r?\n/)) {
    const line = raw.trimEnd();
    const li = /^\s*(?:[-*]|\d+\.)\s+(.*)$/.exec(line);
    if (li) {
      if (!list) out.push("<ul>");
      list = true;
      out.push("<li>" + inline(li[1]) + "</li>");
      continue;
    }
    if (list) {
      out.push("</ul>");
      list = false;
    }
    const h = /^(#{1,3})\s+(.*)$/.exec(line);
    if (h) out.push(`<h${h[1].length + 2}>` + inline(h[2]) + `</h${h[1].length + 2}>`);
    else if (line === "") out.push("");
    else out.push("<p>" + inline(line) + "</p>");
  }
  if (list) out.push("</ul>");
  return out.join("\n");
}
