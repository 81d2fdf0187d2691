import { describe, expect, it } from "vitest";
import { markdownHtml, snippetHtml } from "./kb_text";

describe("kb text", () => {
  it("escapes HTML before any formatting", () => {
    const h = markdownHtml('<img src=x onerror="alert(1)"> **粗体**\n- 第一\n- 第二\n# 标题');
    expect(h).not.toContain("<img");
    expect(h).toContain("&lt;img");
    expect(h).toContain("<strong>粗体</strong>");
    expect(h).toContain("<ul>\n<li>第一</li>\n<li>第二</li>\n</ul>");
    expect(h).toContain("<h3>标题</h3>");
  });
  it("highlights the snippet's term only", () => {
    expect(snippetHtml("…信用卡«激活»后<b>")).toBe("…信用卡<mark>激活</mark>后&lt;b&gt;");
  });
});
