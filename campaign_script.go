package callfloor

import "strings"

// ScriptPart is one piece of a rendered script: plain text, or the value of a lead's field
// (Field names it; Missing when the lead has no value and the text is 【field】), so that the
// agent's card can highlight what came from the lead.
type ScriptPart struct {
	Text    string `json:"text"`
	Field   string `json:"field,omitempty"`
	Missing bool   `json:"missing,omitempty"`
}

// RenderScriptParts renders a script as RenderScript does, cut into its text and its fields;
// the parts' texts joined are RenderScript's result.
func RenderScriptParts(script string, fields map[string]string) []ScriptPart {
	var out []ScriptPart
	last := 0
	for _, m := range fieldToken.FindAllStringSubmatchIndex(script, -1) {
		if m[0] > last {
			out = append(out, ScriptPart{Text: script[last:m[0]]})
		}
		k := strings.TrimSpace(script[m[2]:m[3]])
		v := RenderScript(script[m[0]:m[1]], fields)
		out = append(out, ScriptPart{Text: v, Field: k, Missing: fields[k] == ""})
		last = m[1]
	}
	if last < len(script) {
		out = append(out, ScriptPart{Text: script[last:]})
	}
	return out
}
