package dashboards

// The audit log (GET /api/v1/audit): admins and operations managers, filtered by who (actor),
// what (action, target_type, target_id) and when (since, until), newest first; JSON pages
// (limit, before) or, with format=csv, every matching line (up to MaxAuditCSV) as a download
// whose headers are in the user's language (lang=en|zh-CN, else Accept-Language).

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// MaxAuditCSV bounds the lines of one CSV export (the newest are kept).
const MaxAuditCSV = 50000

// auditCSVHeaders are the CSV's column names per language.
var auditCSVHeaders = map[string][]string{
	"en":    {"Time", "User", "Action", "Object type", "Object", "Details", "IP address"},
	"zh-CN": {"时间", "操作人", "操作", "对象类型", "对象", "详情", "来源地址"},
}

// requestLang is the language of the answer: lang=en|zh-CN (zh too) when given, else the first
// Accept-Language tag that is Chinese or English, else English.
func requestLang(r *http.Request) (string, error) {
	norm := func(tag string) string {
		tag = strings.ToLower(strings.TrimSpace(tag))
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			return "zh-CN"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return "en"
		}
		return ""
	}
	if v := r.URL.Query().Get("lang"); v != "" {
		if l := norm(v); l != "" {
			return l, nil
		}
		return "", invalid("lang", "must be en or zh-CN, got %q", v).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"en", "zh-CN"}, "value": v})
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(part, ";")
		if l := norm(tag); l != "" {
			return l, nil
		}
	}
	return "en", nil
}

// auditFilter reads the audit log's query parameters.
func auditFilter(r *http.Request) (storage.AuditFilter, error) {
	if err := checkParams(r, "action", "actor", "target_type", "target_id", "since", "until", "before", "limit", "format", "lang"); err != nil {
		return storage.AuditFilter{}, err
	}
	q := r.URL.Query()
	f := storage.AuditFilter{Action: strings.TrimSpace(q.Get("action")), Actor: strings.TrimSpace(q.Get("actor")),
		TargetType: strings.TrimSpace(q.Get("target_type")), TargetID: strings.TrimSpace(q.Get("target_id"))}
	var err error
	if v := q.Get("since"); v != "" {
		if f.Since, err = parseTime("since", v); err != nil {
			return f, err
		}
	}
	if v := q.Get("until"); v != "" {
		if f.Until, err = parseTime("until", v); err != nil {
			return f, err
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return f, invalid("until", "must be after since").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "since"})
	}
	if v := q.Get("before"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil || f.Before < 1 {
			return f, invalid("before", "not an id: %q", v).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "id", "value": v})
		}
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 500 {
			return f, invalid("limit", "must be 1..500").With(callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 500})
		}
	}
	return f, nil
}

func (a *API) auditLog(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := a.writeAudit(w, r); err != nil {
		if callfloor.ErrorCode(err) == callfloor.EINTERNAL && a.Log != nil {
			a.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		writeError(w, err)
	}
}

func (a *API) writeAudit(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.Role != callfloor.RoleAdmin && p.Role != callfloor.RoleOperationsManager {
		return forbidden("the audit log is for admins and operations managers")
	}
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json":
		es, err := a.DB.ListAudit(r.Context(), f)
		if err != nil {
			return err
		}
		if es == nil {
			es = []storage.AuditEntry{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"entries": es})
		return nil
	case "csv":
	default:
		return invalid("format", "must be json or csv, got %q", format).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"json", "csv"}, "value": format})
	}
	lang, err := requestLang(r)
	if err != nil {
		return err
	}
	loc := time.UTC
	if a.Base != nil {
		loc = a.Base.Location()
	}
	rows := [][]string{append([]string(nil), auditCSVHeaders[lang]...)}
	f.Limit = 1000
	for len(rows)-1 < MaxAuditCSV {
		es, err := a.DB.ListAudit(r.Context(), f)
		if err != nil {
			return err
		}
		for _, e := range es {
			detail := ""
			if len(e.Detail) > 0 {
				b, _ := json.Marshal(e.Detail)
				detail = string(b)
			}
			rows = append(rows, []string{e.At.In(loc).Format(time.RFC3339), e.Actor, e.Action, e.TargetType, e.TargetID, detail, e.IP})
			if len(rows)-1 == MaxAuditCSV {
				break
			}
		}
		if len(es) < f.Limit {
			break
		}
		f.Before = es[len(es)-1].ID
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // a BOM: Excel then reads the Chinese headers as UTF-8
	cw := csv.NewWriter(&buf)
	_ = cw.WriteAll(csvSafe(rows))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="callfloor-audit.csv"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
	a.audit(r, "audit_exported", "audit", "", map[string]any{"rows": len(rows) - 1, "action": f.Action, "actor": f.Actor,
		"target_type": f.TargetType, "target_id": f.TargetID})
	return nil
}
