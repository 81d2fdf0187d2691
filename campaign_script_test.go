package callfloor

import (
	"strings"
	"testing"
)

func TestRenderScriptParts(t *testing.T) {
	script := "您好，{{name}}！您的保单 {{ 保单号 }} 将于{{到期日}}到期。"
	fields := map[string]string{"name": "王芳", "保单号": "PA-1"}
	parts := RenderScriptParts(script, fields)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	if b.String() != RenderScript(script, fields) {
		t.Errorf("parts joined %q, want %q", b.String(), RenderScript(script, fields))
	}
	want := []ScriptPart{{Text: "您好，"}, {Text: "王芳", Field: "name"}, {Text: "！您的保单 "}, {Text: "PA-1", Field: "保单号"},
		{Text: " 将于"}, {Text: "【到期日】", Field: "到期日", Missing: true}, {Text: "到期。"}}
	if len(parts) != len(want) {
		t.Fatalf("parts %+v", parts)
	}
	for i := range want {
		if parts[i] != want[i] {
			t.Errorf("part %d: %+v, want %+v", i, parts[i], want[i])
		}
	}
	if p := RenderScriptParts("", fields); len(p) != 0 {
		t.Errorf("empty script: %+v", p)
	}
}
