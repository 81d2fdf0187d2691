package dashboards

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Campaign lists, leads, do-not-call removal, consent evidence and a number's contact history
// (issue 13). Lists and leads follow their campaign's rights (canReadCampaign to read,
// canManageCampaign to pause, recycle or export); removing a number from the do-not-call list
// is the operations manager's (or an admin's); consent is recorded by whoever manages the
// campaign it is for (the operations manager for every campaign); the contact history of a
// number is for managers and supervisors, and its export is audited.

func (a *API) registerCampaignLists(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/campaigns/{id}/lists", a.listCampaignLists)
	h("POST /api/v1/campaigns/{id}/lists/preview", a.previewList)
	h("GET /api/v1/campaigns/{id}/lists/{list}", a.getCampaignList)
	h("POST /api/v1/campaigns/{id}/lists/{list}/status", a.setListStatus)
	h("POST /api/v1/campaigns/{id}/lists/{list}/recycle", a.recycleList)
	h("GET /api/v1/campaigns/{id}/leads/{lead}", a.getLead)
	h("DELETE /api/v1/dnc/{phone}", a.removeDNC)
	h("GET /api/v1/consents", a.listConsents)
	h("POST /api/v1/consents", a.putConsent)
	h("POST /api/v1/consents/{phone}/expire", a.expireConsent)
}

// RegisterCampaignFiles adds the campaign routes that answer with a file (CSV or XLSX).
func (a *API) registerCampaignFiles(mux Mux) {
	mux.Handle("GET /api/v1/campaigns/{id}/lists/{list}/export", a.Auth.Middleware(a.fileRoute(a.exportList)))
	mux.Handle("GET /api/v1/campaigns/{id}/lists/{list}/rejects", a.Auth.Middleware(a.fileRoute(a.exportRejects)))
	mux.Handle("GET /api/v1/contact-history/{phone}", a.Auth.Middleware(a.fileRoute(a.contactHistory)))
}

// table is a file answer: its name (without extension), sheet name, rows (header first) and
// the columns written as numbers in a workbook; json, when set, answers format=json.
type table struct {
	name, sheet string
	rows        [][]string
	numbers     map[int]bool
	json        any
}

// fileRoute serves fn's table as format=csv (UTF-8 with a BOM, so Excel in China reads it),
// xlsx, or json when fn gives a JSON answer (the default then; csv otherwise).
func (a *API) fileRoute(fn func(r *http.Request, format, lang string) (table, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		fail := func(err error) {
			if callfloor.ErrorCode(err) == callfloor.EINTERNAL && a.Log != nil {
				a.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
		}
		if err := checkParams(r, "format", "lang", "campaign"); err != nil {
			fail(err)
			return
		}
		format := r.URL.Query().Get("format")
		lang, err := exportLang(r)
		if err != nil {
			fail(err)
			return
		}
		t, err := fn(r, format, lang)
		if err != nil {
			fail(err)
			return
		}
		if format == "" {
			format = "csv"
			if t.json != nil {
				format = "json"
			}
		}
		var buf bytes.Buffer
		switch format {
		case "json":
			if t.json == nil {
				fail(invalid("format", "must be csv or xlsx, got %q", format).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"csv", "xlsx"}, "value": format}))
				return
			}
			writeJSON(w, http.StatusOK, t.json)
			return
		case "csv":
			buf.WriteString("\ufeff")
			cw := csv.NewWriter(&buf)
			_ = cw.WriteAll(csvSafe(t.rows))
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		case "xlsx":
			if err := writeXLSXCols(&buf, t.rows, t.sheet, t.numbers); err != nil {
				fail(err)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		default:
			allowed := []string{"csv", "xlsx"}
			if t.json != nil {
				allowed = append([]string{"json"}, allowed...)
			}
			fail(invalid("format", "must be one of %v, got %q", allowed, format).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": allowed, "value": format}))
			return
		}
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, t.name, format))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(buf.Bytes())
	})
}

// today is the start of the centre's day.
func (a *API) today() time.Time {
	now := time.Now().In(a.loc())
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
}

func listID(r *http.Request) (int64, error) {
	v := r.PathValue("list")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, callfloor.NotFound("list", v, "no list %q", v)
	}
	return id, nil
}

// campaignList reads the campaign of the path (read or manage rights) and its list.
func (a *API) campaignList(r *http.Request, manage bool) (storage.CampaignInfo, storage.CampaignList, error) {
	c, err := a.campaignFor(r, manage)
	if err != nil {
		return c, storage.CampaignList{}, err
	}
	id, err := listID(r)
	if err != nil {
		return c, storage.CampaignList{}, err
	}
	l, err := a.DB.GetCampaignList(r.Context(), c.ID, id, a.today())
	return c, l, err
}

func (a *API) listCampaignLists(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	c, err := a.campaignFor(r, false)
	if err != nil {
		return nil, err
	}
	lists, err := a.DB.CampaignLists(r.Context(), c.ID, a.today())
	if err != nil {
		return nil, err
	}
	return map[string]any{"lists": lists}, nil
}

// previewList reads an uploaded file (multipart "file") without importing it: its header, the
// first rows and the row count, for the column-mapping step.
func (a *API) previewList(w http.ResponseWriter, r *http.Request) (any, error) {
	if _, err := a.campaignFor(r, true); err != nil {
		return nil, err
	}
	if err := parseListForm(w, r); err != nil {
		return nil, err
	}
	defer r.MultipartForm.RemoveAll()
	name, header, rows, err := formSheet(r)
	if err != nil {
		return nil, err
	}
	first := rows[:min(len(rows), 5)]
	return map[string]any{"file": name, "header": header, "rows": first, "total": len(rows)}, nil
}

func (a *API) getCampaignList(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	_, l, err := a.campaignList(r, false)
	return l, err
}

func (a *API) setListStatus(w http.ResponseWriter, r *http.Request) (any, error) {
	c, l, err := a.campaignList(r, true)
	if err != nil {
		return nil, err
	}
	var in struct {
		Status string `json:"status"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	before, err := a.DB.SetListStatus(r.Context(), c.ID, l.ID, in.Status)
	if err != nil {
		return nil, err
	}
	a.audit(r, "campaign_list_status", "campaign_list", strconv.FormatInt(l.ID, 10), map[string]any{"campaign": c.ID, "before": before, "after": in.Status})
	return map[string]any{"id": l.ID, "status": in.Status}, nil
}

func (a *API) recycleList(w http.ResponseWriter, r *http.Request) (any, error) {
	c, l, err := a.campaignList(r, true)
	if err != nil {
		return nil, err
	}
	var in storage.Recycle
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	n, err := a.DB.RecycleList(r.Context(), c.ID, l.ID, in, time.Now())
	if err != nil {
		return nil, err
	}
	a.audit(r, "campaign_list_recycled", "campaign_list", strconv.FormatInt(l.ID, 10),
		map[string]any{"campaign": c.ID, "outcomes": in.Outcomes, "reset_attempts": in.ResetAttempts, "leads": n})
	return map[string]any{"id": l.ID, "recycled": n}, nil
}

func (a *API) getLead(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	c, err := a.campaignFor(r, false)
	if err != nil {
		return nil, err
	}
	v := r.PathValue("lead")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, callfloor.NotFound("lead", v, "no lead %q", v)
	}
	return a.DB.GetLead(r.Context(), c.ID, id)
}

// campaignWords are the headers and words of the list, rejects and contact-history files.
var campaignWords = map[string]map[string]string{
	"en": {
		"sheet.leads": "Leads", "sheet.rejects": "Rejected rows", "sheet.history": "Contact history",
		"phone": "Phone", "name": "Name", "time_zone": "Time zone", "owner": "Owner", "status": "Status", "attempts": "Attempts",
		"last_result": "Last result", "last_disposition": "Last disposition", "last_attempt": "Last attempt", "next_attempt": "Next attempt",
		"callback": "Call-back", "done_reason": "Done because", "row": "Row", "column": "Column", "reason": "Reason", "value": "Value",
		"first_row": "Same as row", "time": "Time", "campaign": "Campaign", "agent": "Agent", "result": "Result",
		"disposition": "Disposition", "call_id": "Call ID", "recording": "Recording",
		"new": "New", "scheduled": "Scheduled", "dialling": "Dialling", "done": "Done",
		"answered": "Answered", "busy": "Busy", "no_answer": "No answer", "unallocated": "Unallocated number",
		"switched_off": "Switched off", "failed": "Failed", "dropped": "Dropped",
		"required": "No number", "invalid_number": "Not a phone number", "duplicate": "Repeated in the file",
		"already_exists": "Already a lead of the campaign", "do_not_call": "On the do-not-call list", "invalid_format": "Unknown time zone",
		"max_attempts": "Attempts used up", "unknown_reference": "No such agent", "ambiguous_owner": "Several agents have this name",
	},
	"zh-CN": {
		"sheet.leads": "名单", "sheet.rejects": "拒收行", "sheet.history": "联系记录",
		"phone": "号码", "name": "姓名", "time_zone": "时区", "owner": "归属坐席", "status": "状态", "attempts": "拨打次数",
		"last_result": "最近结果", "last_disposition": "最近小结", "last_attempt": "最近拨打", "next_attempt": "下次拨打",
		"callback": "预约回拨", "done_reason": "结束原因", "row": "行号", "column": "列", "reason": "原因", "value": "值",
		"first_row": "与第几行重复", "time": "时间", "campaign": "活动", "agent": "坐席", "result": "结果",
		"disposition": "小结", "call_id": "通话编号", "recording": "录音",
		"new": "未拨打", "scheduled": "待重拨", "dialling": "拨打中", "done": "已结束",
		"answered": "已接通", "busy": "忙", "no_answer": "无人接听", "unallocated": "空号",
		"switched_off": "关机/停机", "failed": "失败", "dropped": "放弃（无空闲坐席）",
		"required": "缺少号码", "invalid_number": "不是电话号码", "duplicate": "文件内重复",
		"already_exists": "已在本活动名单中", "do_not_call": "在禁呼名单中", "invalid_format": "时区无效",
		"max_attempts": "拨打次数已用完", "unknown_reference": "没有这个坐席", "ambiguous_owner": "多名坐席同名",
	},
}

// defaultDispositionWords are the default dispositions' labels in English: a campaign that kept
// a default's Chinese label (callfloor.DefaultDispositions) shows it in English to an English
// reader; a label the centre wrote itself is data and shown as written.
var defaultDispositionWords = map[string]string{
	"success": "Success", "interested": "Interested", "callback": "Call-back", "refused": "Refused",
	"do_not_call": "Do not call", "wrong_person": "Wrong person", "invalid_number": "Invalid number",
	"suspended": "Suspended", "no_answer": "No answer", "busy": "Busy",
}

// dispositionLabel is a disposition code's label in lang: the campaign's label for it (a
// default's label in English for an English reader), else the code.
func dispositionLabel(lang, code string, c *callfloor.Campaign) string {
	if c == nil {
		return code
	}
	d, ok := c.Disposition(code)
	if !ok {
		return code
	}
	if lang != "zh-CN" {
		for _, def := range callfloor.DefaultDispositions() {
			if def.Code == code && def.Name == d.Name && defaultDispositionWords[code] != "" {
				return defaultDispositionWords[code]
			}
		}
	}
	return d.Name
}

// campaignWord translates a header or a code (a disposition code is shown by the campaign's label for it).
func campaignWord(lang, k string, c *callfloor.Campaign) string {
	if c != nil {
		if _, ok := c.Disposition(k); ok {
			return dispositionLabel(lang, k, c)
		}
	}
	if v, ok := campaignWords[lang][k]; ok {
		return v
	}
	return k
}

func fmtTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}

func (a *API) exportList(r *http.Request, format, lang string) (table, error) {
	c, l, err := a.campaignList(r, true)
	if err != nil {
		return table{}, err
	}
	leads, err := a.DB.ListLeads(r.Context(), c.ID, l.ID)
	if err != nil {
		return table{}, err
	}
	loc := a.loc()
	word := func(k string) string { return campaignWord(lang, k, nil) }
	disp := func(k string) string { return campaignWord(lang, k, &c.Campaign) } // a disposition by the campaign's name for it
	// the custom fields of the list, in the order first seen
	var fields []string
	seen := map[string]bool{}
	for _, ld := range leads {
		for k := range ld.Fields {
			if !seen[k] {
				seen[k] = true
				fields = append(fields, k)
			}
		}
	}
	slices.Sort(fields)
	head := []string{word("phone"), word("name"), word("time_zone"), word("owner"), word("status"), word("attempts"),
		word("last_result"), word("last_disposition"), word("last_attempt"), word("next_attempt"), word("callback"), word("done_reason")}
	rows := [][]string{append(head, fields...)}
	for _, ld := range leads {
		row := []string{ld.Phone, ld.Name, ld.TimeZone, ld.Owner, word(ld.Status), strconv.Itoa(ld.Attempts),
			wordOr(word, ld.LastResult), wordOr(disp, ld.LastDisposition), fmtTime(ld.LastAttemptAt, loc), fmtTime(ld.NextAttemptAt, loc),
			fmtTime(ld.CallbackAt, loc), wordOr(disp, ld.DoneReason)}
		for _, f := range fields {
			row = append(row, ld.Fields[f])
		}
		rows = append(rows, row)
	}
	a.audit(r, "campaign_list_exported", "campaign_list", strconv.FormatInt(l.ID, 10), map[string]any{"campaign": c.ID, "format": format, "leads": len(leads)})
	return table{name: fmt.Sprintf("%s-list-%d", c.ID, l.ID), sheet: word("sheet.leads"), rows: rows, numbers: map[int]bool{5: true}}, nil
}

func wordOr(word func(string) string, k string) string {
	if k == "" {
		return ""
	}
	return word(k)
}

func (a *API) exportRejects(r *http.Request, format, lang string) (table, error) {
	c, l, err := a.campaignList(r, false)
	if err != nil {
		return table{}, err
	}
	word := func(k string) string { return campaignWord(lang, k, nil) }
	rows := [][]string{{word("row"), word("column"), word("reason"), word("value"), word("first_row")}}
	for _, j := range l.Rejects {
		first := ""
		if j.First > 0 {
			first = strconv.Itoa(j.First)
		}
		rows = append(rows, []string{strconv.Itoa(j.Row), j.Column, word(j.Code), j.Value, first})
	}
	return table{name: fmt.Sprintf("%s-list-%d-rejects", c.ID, l.ID), sheet: word("sheet.rejects"), rows: rows, numbers: map[int]bool{0: true, 4: true}}, nil
}

// canReadDNC: the do-not-call list, consent and contact history are the managers' and supervisors'.
func canReadDNC(p callfloor.Principal) bool {
	return p.CanConfigure() || p.Role == callfloor.RoleProjectManager || p.Role == callfloor.RoleSupervisor
}

func (a *API) removeDNC(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "campaign"); err != nil {
		return nil, err
	}
	p := principal(r)
	if !p.CanConfigure() {
		return nil, forbidden("taking a number off the do-not-call list is the operations manager's (you are %s)", p.Role)
	}
	e, err := a.DB.RemoveDNC(r.Context(), r.PathValue("phone"), r.URL.Query().Get("campaign"))
	if err != nil {
		return nil, err
	}
	a.audit(r, "dnc_removed", "dnc", e.Phone, map[string]any{"campaign": e.Campaign, "before": e})
	return e, nil
}

func (a *API) listConsents(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "phone"); err != nil {
		return nil, err
	}
	if p := principal(r); !canReadDNC(p) {
		return nil, forbidden("consent evidence is for managers and supervisors (you are %s)", p.Role)
	}
	phone := r.URL.Query().Get("phone")
	if phone != "" {
		canon, err := callfloor.CanonicalPhone(phone, "86")
		if err != nil {
			return nil, err
		}
		phone = canon
	}
	list, err := a.DB.ListConsents(r.Context(), phone)
	if err != nil {
		return nil, err
	}
	return map[string]any{"consents": list}, nil
}

// consentRights: the global consent (campaign "") is the operations manager's; a campaign's is
// whoever manages that campaign.
func (a *API) consentRights(r *http.Request, campaign string) error {
	p := principal(r)
	if campaign == "" {
		if !p.CanConfigure() {
			return forbidden("consent for every campaign is the operations manager's (you are %s)", p.Role)
		}
		return nil
	}
	c, err := a.DB.GetCampaign(r.Context(), campaign)
	if err != nil {
		if callfloor.ErrorKind(err) == callfloor.ENOTFOUND {
			return callfloor.Invalid("campaign", callfloor.CodeUnknownRef, callfloor.Params{"what": "campaign", "value": campaign}, "no campaign %q", campaign)
		}
		return err
	}
	if !canManageCampaign(p, c.Campaign) {
		return forbidden("consent for campaign %s is its manager's (you are %s)", campaign, p.Role)
	}
	return nil
}

func (a *API) putConsent(w http.ResponseWriter, r *http.Request) (any, error) {
	var in storage.Consent
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := a.consentRights(r, in.Campaign); err != nil {
		return nil, err
	}
	in.RecordedBy = principal(r).Username
	before, err := a.DB.PutConsent(r.Context(), in)
	if err != nil {
		return nil, err
	}
	in.Phone, _ = callfloor.CanonicalPhone(in.Phone, "86")
	a.audit(r, "consent_recorded", "consent", in.Phone, map[string]any{"campaign": in.Campaign, "before": before, "after": in})
	return created{in}, nil
}

func (a *API) expireConsent(w http.ResponseWriter, r *http.Request) (any, error) {
	var in struct {
		Campaign string `json:"campaign"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := a.consentRights(r, in.Campaign); err != nil {
		return nil, err
	}
	c, err := a.DB.ExpireConsent(r.Context(), r.PathValue("phone"), in.Campaign, time.Now())
	if err != nil {
		return nil, err
	}
	a.audit(r, "consent_expired", "consent", c.Phone, map[string]any{"campaign": c.Campaign, "evidence": c.Evidence})
	return c, nil
}

// contactHistory is every attempt at a number across campaigns (JSON by default, or xlsx/csv),
// for a complaint or an audit; each answer is audited (it is a person's data).
func (a *API) contactHistory(r *http.Request, format, lang string) (table, error) {
	p := principal(r)
	if !canReadDNC(p) {
		return table{}, forbidden("a number's contact history is for managers and supervisors (you are %s)", p.Role)
	}
	h, err := a.DB.ContactHistory(r.Context(), r.PathValue("phone"))
	if err != nil {
		return table{}, err
	}
	// a project manager sees their projects' campaigns' attempts only
	if p.Role == callfloor.RoleProjectManager {
		mine := h[:0]
		for _, c := range h {
			if c.Project != "" && p.CanSeeProject(c.Project) {
				mine = append(mine, c)
			}
		}
		h = mine
	}
	phone, _ := callfloor.CanonicalPhone(r.PathValue("phone"), "86")
	camps, err := a.DB.ListCampaigns(r.Context())
	if err != nil {
		return table{}, err
	}
	byID := map[string]*callfloor.Campaign{}
	for i := range camps {
		byID[camps[i].ID] = &camps[i].Campaign
	}
	loc := a.loc()
	word := func(k string) string { return campaignWord(lang, k, nil) }
	rows := [][]string{{word("time"), word("campaign"), word("agent"), word("result"), word("disposition"), word("call_id"), word("recording")}}
	for i := range h {
		c := &h[i]
		if c.Recording != "" && c.CallID != "" {
			c.RecordingURL = "/api/v1/calls/" + c.CallID + "/recording/file"
		}
		if c.Disposition != "" {
			c.DispositionLabel = dispositionLabel(lang, c.Disposition, byID[c.Campaign])
		}
		rows = append(rows, []string{fmtTime(&c.At, loc), cmp.Or(c.CampaignName, c.Campaign), cmp.Or(c.AgentName, c.Agent), word(c.Result),
			c.DispositionLabel, c.CallID, c.RecordingURL})
	}
	a.audit(r, "contact_history_exported", "phone", phone, map[string]any{"format": format, "attempts": len(h)})
	return table{name: "contact-history-" + phone, sheet: word("sheet.history"), rows: rows,
		json: map[string]any{"phone": phone, "attempts": h}}, nil
}
