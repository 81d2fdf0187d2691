package dashboards

// The call search as a file: GET /api/v1/calls?...&format=csv|xlsx exports every call the
// search matches (the same filters and scope as the JSON search, every page, newest first) as
// CSV (UTF-8 with a byte-order mark, so spreadsheets read Chinese) or as an Excel workbook.
// The headers and the words in the cells (direction, outcome) are in the user's language: the
// lang parameter (en or zh-CN) or else the browser's Accept-Language. An export is bounded
// (MaxExportRows): a search that matches more is refused with a clear error rather than cut.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/xuri/excelize/v2"
)

// MaxExportRows is the most calls one export holds.
const MaxExportRows = 10000

// exportPage is the page size the export reads the search with (the search's maximum).
const exportPage = 500

// maxExportRows is MaxExportRows; tests lower it.
var maxExportRows = MaxExportRows

// callsOrExport serves GET /api/v1/calls: format=csv or xlsx exports the search, anything else
// is the JSON search (format=json and lang are accepted and dropped there).
func (a *API) callsOrExport(search http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !q.Has("format") && !q.Has("lang") {
			search.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		for _, k := range []string{"format", "lang"} {
			if len(q[k]) > 1 {
				writeError(w, invalid(k, "given more than once").With(callfloor.CodeDuplicate, nil))
				return
			}
		}
		lang, err := exportLang(r)
		if err != nil {
			writeError(w, err)
			return
		}
		format := q.Get("format")
		switch format {
		case "", "json":
			q.Del("format")
			q.Del("lang")
			r2 := r.Clone(r.Context())
			r2.URL.RawQuery = q.Encode()
			search.ServeHTTP(w, r2)
			return
		case "csv", "xlsx":
		default:
			writeError(w, invalid("format", "must be json, csv or xlsx, got %q", format).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"json", "csv", "xlsx"}, "value": format}))
			return
		}
		calls, err := a.exportSearch(w, r)
		if err != nil {
			if callfloor.ErrorCode(err) == callfloor.EINTERNAL && a.Log != nil {
				a.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
			return
		}
		loc := time.UTC
		if a.Auth != nil && a.Auth.TimeZone != "" {
			if l, err := time.LoadLocation(a.Auth.TimeZone); err == nil {
				loc = l
			}
		}
		rows := exportRows(calls, a.agentNames(), lang, loc)
		name := "calls-" + time.Now().In(loc).Format("20060102-1504")
		var buf bytes.Buffer
		switch format {
		case "csv":
			buf.WriteString("\ufeff")
			cw := csv.NewWriter(&buf)
			_ = cw.WriteAll(csvSafe(rows))
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		case "xlsx":
			if err := writeXLSX(&buf, rows, exportSheetName[lang]); err != nil {
				writeError(w, err)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		}
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(buf.Bytes())
	})
}

// exportCall is a call as the JSON search answers it (read back from that JSON, so the export
// follows whatever the search adds).
type exportCall struct {
	ID            string     `json:"id"`
	Direction     string     `json:"direction"`
	Queue         string     `json:"queue"`
	CallerNumber  string     `json:"caller_number"`
	CalledNumber  string     `json:"called_number"`
	Agent         string     `json:"agent"`
	EnteredAt     time.Time  `json:"entered_at"`
	AnsweredAt    *time.Time `json:"answered_at"`
	EndedAt       *time.Time `json:"ended_at"`
	WaitMs        *int64     `json:"wait_ms"`
	TalkMs        *int64     `json:"talk_ms"`
	HoldMs        *int64     `json:"hold_ms"`
	WrapMs        *int64     `json:"wrap_ms"`
	Outcome       string     `json:"outcome"`
	RecordingName string     `json:"recording_name"`
}

// exportSearch runs the JSON search (its checks and its scope) page after page and returns
// every call it matches, or an error when they are more than maxExportRows.
func (a *API) exportSearch(w http.ResponseWriter, r *http.Request) ([]exportCall, error) {
	q := r.URL.Query()
	for _, k := range []string{"format", "lang", "limit", "cursor"} {
		q.Del(k)
	}
	q.Set("limit", strconv.Itoa(exportPage))
	var out []exportCall
	for {
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		v, err := a.searchCalls(w, r2)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		var page struct {
			Calls      []exportCall `json:"calls"`
			NextCursor string       `json:"next_cursor"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Calls...)
		if len(out) > maxExportRows {
			return nil, &callfloor.Error{Code: "export_too_large", Kind: callfloor.EINVALID, Field: "to", Params: callfloor.Params{"max": maxExportRows}, Message: fmt.Sprintf(
				"to: the search matches more than %d calls, too many for one export; narrow it (a shorter range or more filters)", maxExportRows)}
		}
		if page.NextCursor == "" {
			return out, nil
		}
		q.Set("cursor", page.NextCursor)
	}
}

// agentNames maps the configured agents' IDs to their names.
func (a *API) agentNames() map[string]string {
	names := map[string]string{}
	if a.ACD == nil {
		return names
	}
	for _, ag := range a.ACD.Agents() {
		names[ag.ID] = ag.Name
	}
	return names
}

// exportLang is the language of an export: lang= (en or zh-CN), else the first of the
// browser's Accept-Language (by weight) that is English or Chinese, else English.
func exportLang(r *http.Request) (string, error) {
	if l := r.URL.Query().Get("lang"); l != "" || r.URL.Query().Has("lang") {
		switch strings.ToLower(l) {
		case "en", "en-us", "en-gb":
			return "en", nil
		case "zh", "zh-cn", "zh-hans", "zh-hans-cn":
			return "zh-CN", nil
		}
		return "", invalid("lang", "must be en or zh-CN, got %q", l).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"en", "zh-CN"}, "value": l})
	}
	type tag struct {
		lang string
		q    float64
		i    int
	}
	var tags []tag
	for i, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		qv := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				qv = f
			}
		}
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case name == "zh" || strings.HasPrefix(name, "zh-"):
			tags = append(tags, tag{"zh-CN", qv, i})
		case name == "en" || strings.HasPrefix(name, "en-"):
			tags = append(tags, tag{"en", qv, i})
		}
	}
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].q > tags[j].q })
	if len(tags) > 0 && tags[0].q > 0 {
		return tags[0].lang, nil
	}
	return "en", nil
}

var exportSheetName = map[string]string{"en": "Calls", "zh-CN": "通话记录"}

// exportWords are the export's headers and cell words, per language.
var exportWords = map[string]map[string]string{
	"en": {
		"h.time": "Time ({tz})", "h.direction": "Direction", "h.queue": "Queue", "h.caller": "Caller number",
		"h.called": "Called number", "h.agent": "Agent ID", "h.agent_name": "Agent name", "h.outcome": "Outcome",
		"h.wait": "Wait (s)", "h.talk": "Talk (s)", "h.hold": "Hold (s)", "h.wrap": "Wrap-up (s)",
		"h.recording": "Recording", "h.id": "Call ID",
		"inbound": "Inbound", "outbound": "Outbound", "in_progress": "In progress",
		"answered": "Answered", "abandoned": "Abandoned", "short_abandon": "Short abandon", "flowed_out": "Flowed out",
		"unknown_queue": "Unknown queue", "busy": "Busy", "no_answer": "No answer", "failed": "Failed", "lost": "Lost (Asterisk restart)",
	},
	"zh-CN": {
		"h.time": "时间（{tz}）", "h.direction": "方向", "h.queue": "队列", "h.caller": "主叫号码",
		"h.called": "被叫号码", "h.agent": "坐席工号", "h.agent_name": "坐席姓名", "h.outcome": "结果",
		"h.wait": "等待（秒）", "h.talk": "通话（秒）", "h.hold": "保持（秒）", "h.wrap": "话后处理（秒）",
		"h.recording": "录音", "h.id": "通话编号",
		"inbound": "呼入", "outbound": "呼出", "in_progress": "进行中",
		"answered": "已接听", "abandoned": "放弃", "short_abandon": "短时放弃", "flowed_out": "溢出",
		"unknown_queue": "未知队列", "busy": "忙", "no_answer": "无应答", "failed": "失败", "lost": "丢失（Asterisk 重启）",
	},
}

// exportRows is the export's table: a header row, then one row per call. Times are the
// centre's (loc), durations seconds with one decimal.
func exportRows(calls []exportCall, names map[string]string, lang string, loc *time.Location) [][]string {
	w := exportWords[lang]
	word := func(k string) string {
		if v, ok := w[k]; ok {
			return v
		}
		return k
	}
	secs := func(ms *int64) string {
		if ms == nil {
			return ""
		}
		return strconv.FormatFloat(float64(*ms)/1000, 'f', 1, 64)
	}
	rows := [][]string{{
		strings.ReplaceAll(word("h.time"), "{tz}", loc.String()), word("h.direction"), word("h.queue"), word("h.caller"), word("h.called"),
		word("h.agent"), word("h.agent_name"), word("h.outcome"), word("h.wait"), word("h.talk"), word("h.hold"), word("h.wrap"),
		word("h.recording"), word("h.id"),
	}}
	for _, c := range calls {
		outcome := c.Outcome
		if outcome == "" && c.EndedAt == nil {
			outcome = "in_progress"
		}
		if outcome != "" {
			outcome = word(outcome)
		}
		rows = append(rows, []string{
			c.EnteredAt.In(loc).Format("2006-01-02 15:04:05"), word(c.Direction), c.Queue, c.CallerNumber, c.CalledNumber,
			c.Agent, names[c.Agent], outcome, secs(c.WaitMs), secs(c.TalkMs), secs(c.HoldMs), secs(c.WrapMs),
			c.RecordingName, c.ID,
		})
	}
	return rows
}

// exportNumberCols are the columns written as numbers in the workbook (the durations).
var exportNumberCols = map[int]bool{8: true, 9: true, 10: true, 11: true}

// writeXLSX writes rows as a one-sheet workbook: the header bold and frozen, durations as
// numbers, everything else as text (never a formula).
func writeXLSX(buf *bytes.Buffer, rows [][]string, sheet string) error {
	return writeXLSXCols(buf, rows, sheet, exportNumberCols)
}

// writeXLSXCols writes rows as writeXLSX does, the columns of numberCols as numbers.
func writeXLSXCols(buf *bytes.Buffer, rows [][]string, sheet string, numberCols map[int]bool) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, v := range r {
			switch {
			case i == 0:
				cells[j] = excelize.Cell{StyleID: bold, Value: v}
			case numberCols[j] && v != "":
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return err
				}
				cells[j] = n
			default:
				cells[j] = v
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if i == 0 {
			if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
				return err
			}
			_ = sw.SetColWidth(1, 1, 20)
			_ = sw.SetColWidth(2, len(r), 14)
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(buf)
	return err
}
