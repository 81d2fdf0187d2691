package dashboards

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Tickets (issue 14 item 2). Who sees a ticket: those who see the whole floor, all; a project
// manager their projects' and their projects' teams' (and their own); a team lead and an agent their team's, and the ones
// they first-own (我的首问) or hold wherever they went. QA and trainers read but do not act.
// Categories are configuration (admin, operations manager); the notifications' settings carry
// secrets and are the admin's only. Changes to both are audited.

func (a *API) registerTickets(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/tickets", a.listTickets)
	h("POST /api/v1/tickets", a.createTicket)
	h("GET /api/v1/tickets/assignees", a.ticketAssignees)
	h("GET /api/v1/tickets/{id}", a.getTicket)
	h("PUT /api/v1/tickets/{id}", a.updateTicket)
	h("POST /api/v1/tickets/{id}/assign", a.assignTicket)
	h("POST /api/v1/tickets/{id}/comments", a.commentTicket)
	h("POST /api/v1/tickets/{id}/followup", a.followupTicket)
	h("POST /api/v1/tickets/{id}/close", a.closeTicket)
	h("POST /api/v1/tickets/{id}/reopen", a.reopenTicket)
	h("GET /api/v1/ticket-categories", a.listTicketCategories)
	h("PUT /api/v1/ticket-categories/{code}", a.putTicketCategory)
	h("DELETE /api/v1/ticket-categories/{code}", a.deleteTicketCategory)
	h("GET /api/v1/ticket-notifications/config", a.getTicketNotifyConfig)
	h("PUT /api/v1/ticket-notifications/config", a.putTicketNotifyConfig)
	h("GET /api/v1/ticket-notifications", a.listTicketNotices)
}

// registerTicketReport serves the tickets report as JSON, CSV or XLSX.
func (a *API) registerTicketReport(mux Mux) {
	mux.Handle("GET /api/v1/tickets/report", a.Auth.Middleware(reportHandler(a, a.ticketReport,
		func(rep *storage.TicketReport) string { return rep.TimeZone },
		func(w http.ResponseWriter, rep *storage.TicketReport, format, lang string, _ *time.Location) {
			sendExport(w, format, fmt.Sprintf("tickets-%s-%s", rep.From, rep.To),
				func() [][]string { return ticketReportTable(rep, lang) },
				func(buf *bytes.Buffer) error { return ticketReportXLSX(buf, rep, lang) })
		})))
}

// ticketScope is what the principal sees.
func ticketScope(p callfloor.Principal) storage.TicketScope {
	if p.CanSeeAll() {
		return storage.TicketScope{All: true}
	}
	s := storage.TicketScope{UserID: p.UserID, Teams: []string{}, Projects: []string{}}
	switch p.Role {
	case callfloor.RoleAgent, callfloor.RoleTeamLead:
		if p.TeamID != "" {
			s.Teams = []string{p.TeamID}
		}
	case callfloor.RoleProjectManager:
		// their projects' tickets, and those now in their projects' teams
		s.Projects = append(s.Projects, p.Projects...)
		s.Teams = append(s.Teams, p.ProjectTeams...)
	}
	return s
}

func canActOnTickets(p callfloor.Principal) bool {
	return p.Role != callfloor.RoleQA && p.Role != callfloor.RoleTrainer
}

// ticketActor is the principal as the ticket's history names them.
func (a *API) ticketActor(ctx context.Context, p callfloor.Principal) storage.TicketActor {
	name := p.Username
	if u, err := a.DB.GetUser(ctx, p.UserID); err == nil && u.DisplayName != "" {
		name = u.DisplayName
	}
	return storage.TicketActor{UserID: p.UserID, Name: name}
}

func ticketPathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, callfloor.NotFound("ticket", r.PathValue("id"), "ticket %q not found", r.PathValue("id"))
	}
	return id, nil
}

// seeTicket loads a ticket the principal may see (act: and act on).
func (a *API) seeTicket(r *http.Request, act bool) (storage.Ticket, error) {
	id, err := ticketPathID(r)
	if err != nil {
		return storage.Ticket{}, err
	}
	t, err := a.DB.GetTicket(r.Context(), id, time.Now())
	if err != nil {
		return t, err
	}
	p := principal(r)
	if !ticketScope(p).Sees(t) {
		return t, forbidden("ticket %s is outside what %s %q may see", t.Number, p.Role, p.Username)
	}
	if act && !canActOnTickets(p) {
		return t, forbidden("role %s may read tickets but not change them", p.Role)
	}
	return t, nil
}

func queryInt(r *http.Request, field string) (int64, error) {
	v := r.URL.Query().Get(field)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, invalid(field, "not a number: %q", v).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": v})
	}
	return n, nil
}

func (a *API) listTickets(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	p := principal(r)
	f := storage.TicketFilter{Status: q.Get("status"), Category: q.Get("category"), Project: q.Get("project"), Team: q.Get("team"),
		Number: q.Get("number"), Text: q.Get("q"), Overdue: q.Get("overdue") == "true" || q.Get("overdue") == "1"}
	if f.Status != "" && !slices.Contains(storage.TicketStatuses, f.Status) {
		return nil, choice("status", f.Status, storage.TicketStatuses)
	}
	var err error
	if q.Get("first_owner") == "me" {
		f.FirstOwnerID = p.UserID
	} else if f.FirstOwnerID, err = queryInt(r, "first_owner"); err != nil {
		return nil, err
	}
	if q.Get("assignee") == "me" {
		f.AssigneeID = p.UserID
	} else if f.AssigneeID, err = queryInt(r, "assignee"); err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	offset, err := queryInt(r, "offset")
	if err != nil {
		return nil, err
	}
	f.Limit, f.Offset = int(limit), int(offset)
	return a.DB.ListTickets(r.Context(), f, ticketScope(p), time.Now())
}

// TicketDetail is a ticket with its history.
type TicketDetail struct {
	Ticket  storage.Ticket        `json:"ticket"`
	History []storage.TicketEvent `json:"history"`
	CanAct  bool                  `json:"can_act"`
}

func (a *API) ticketDetail(r *http.Request, t storage.Ticket) (any, error) {
	h, err := a.DB.TicketEvents(r.Context(), t.ID)
	if err != nil {
		return nil, err
	}
	return TicketDetail{Ticket: t, History: h, CanAct: canActOnTickets(principal(r))}, nil
}

func (a *API) getTicket(w http.ResponseWriter, r *http.Request) (any, error) {
	t, err := a.seeTicket(r, false)
	if err != nil {
		return nil, err
	}
	return a.ticketDetail(r, t)
}

// liveCall is the call as the live state has it now (an error when it has none, or no ACD).
func (a *API) liveCall(ctx context.Context, id string) (*callfloor.Call, error) {
	if a.ACD == nil {
		return nil, callfloor.NotFound("call", id, "no live state here")
	}
	return a.ACD.Store().Call(ctx, id)
}

// liveRecord is a live call as a history row (the fields the visibility rules read).
func liveRecord(live *callfloor.Call) storage.CallRecord {
	return storage.CallRecord{ID: live.ID, Direction: live.Direction, Queue: live.Queue, CallerNumber: live.CallerNumber,
		CalledNumber: live.CalledNumber, Agent: live.Agent, EnteredAt: live.EnteredAt, RecordingName: live.RecordingName}
}

func (a *API) createTicket(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if !canActOnTickets(p) {
		return nil, forbidden("role %s may read tickets but not open them", p.Role)
	}
	var in storage.NewTicket
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.CallID != "" {
		c, err := a.DB.CallByID(r.Context(), in.CallID)
		var lc *storage.CallRecord // the call as the live state has it now (nil: none)
		// a call still on the desktop: the history writes it (or its answer) a moment later, so
		// its live state fills what the history's row does not have yet (the agent, once the
		// row of its entry was written and the answer not)
		if live, lerr := a.liveCall(r.Context(), in.CallID); lerr == nil {
			rec := liveRecord(live)
			lc = &rec
			in.LiveCall = &storage.TicketCall{Direction: lc.Direction, Caller: lc.CallerNumber, Called: lc.CalledNumber, Agent: lc.Agent,
				Queue: lc.Queue, Recording: lc.RecordingName, At: lc.EnteredAt}
			if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
				c, err = rec, nil
			}
		} else if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
			return nil, unknownRef("call_id", "call", in.CallID)
		}
		if err != nil {
			return nil, err
		}
		// the live call too: the history's row may lag behind it (written when it entered, before
		// the agent answered)
		if !a.callVisible(p, c) && (lc == nil || !a.callVisible(p, *lc)) {
			return nil, forbidden("call %q is outside what %s %q may see", c.ID, p.Role, p.Username)
		}
	}
	t, err := a.DB.CreateTicket(r.Context(), in, a.ticketActor(r.Context(), p), time.Now())
	if err != nil {
		return nil, err
	}
	if !ticketScope(p).Sees(t) && t.FirstOwnerID == nil {
		return nil, forbidden("ticket outside your scope")
	}
	return created{t}, nil
}

// ticketChange is a handler that decodes a body of type B and applies it to a ticket the caller
// may act on, answering the ticket with its history.
func ticketChange[B any](a *API, apply func(r *http.Request, t storage.Ticket, body B, by storage.TicketActor, now time.Time) (storage.Ticket, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) (any, error) {
		t, err := a.seeTicket(r, true)
		if err != nil {
			return nil, err
		}
		var body B
		if err := decode(r, &body); err != nil {
			return nil, err
		}
		t, err = apply(r, t, body, a.ticketActor(r.Context(), principal(r)), time.Now())
		if err != nil {
			return nil, err
		}
		return a.ticketDetail(r, t)
	}
}

func (a *API) updateTicket(w http.ResponseWriter, r *http.Request) (any, error) {
	return ticketChange(a, func(r *http.Request, t storage.Ticket, up storage.TicketUpdate, by storage.TicketActor, now time.Time) (storage.Ticket, error) {
		if p := principal(r); up.ProjectID != nil && !p.CanSeeAll() && !p.CanSeeProject(*up.ProjectID) && *up.ProjectID != t.ProjectID {
			return t, forbidden("project %q is outside what you may see", *up.ProjectID)
		}
		return a.DB.UpdateTicket(r.Context(), t.ID, up, by, now)
	})(w, r)
}

type assignBody struct {
	AssigneeID *int64 `json:"assignee_id"`
	TeamID     string `json:"team_id"`
}

type commentBody struct {
	Text   string `json:"text"`
	Answer bool   `json:"answer"`
}

type followupBody struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
	CallID  string `json:"call_id"`
}

type noteBody struct {
	Note string `json:"note"`
}

type reasonBody struct {
	Reason string `json:"reason"`
}

func (a *API) assignTicket(w http.ResponseWriter, r *http.Request) (any, error) {
	return ticketChange(a, func(r *http.Request, t storage.Ticket, b assignBody, by storage.TicketActor, now time.Time) (storage.Ticket, error) {
		return a.DB.AssignTicket(r.Context(), t.ID, b.AssigneeID, b.TeamID, by, now)
	})(w, r)
}

func (a *API) commentTicket(w http.ResponseWriter, r *http.Request) (any, error) {
	return ticketChange(a, func(r *http.Request, t storage.Ticket, b commentBody, by storage.TicketActor, now time.Time) (storage.Ticket, error) {
		return a.DB.CommentTicket(r.Context(), t.ID, b.Text, b.Answer, by, now)
	})(w, r)
}

func (a *API) followupTicket(w http.ResponseWriter, r *http.Request) (any, error) {
	return ticketChange(a, func(r *http.Request, t storage.Ticket, b followupBody, by storage.TicketActor, now time.Time) (storage.Ticket, error) {
		return a.DB.RecordFollowup(r.Context(), t.ID, b.Outcome, b.Note, b.CallID, by, now)
	})(w, r)
}

func (a *API) closeTicket(w http.ResponseWriter, r *http.Request) (any, error) {
	return ticketChange(a, func(r *http.Request, t storage.Ticket, b noteBody, by storage.TicketActor, now time.Time) (storage.Ticket, error) {
		return a.DB.CloseTicket(r.Context(), t.ID, b.Note, by, now)
	})(w, r)
}

func (a *API) reopenTicket(w http.ResponseWriter, r *http.Request) (any, error) {
	return ticketChange(a, func(r *http.Request, t storage.Ticket, b reasonBody, by storage.TicketActor, now time.Time) (storage.Ticket, error) {
		return a.DB.ReopenTicket(r.Context(), t.ID, b.Reason, by, now)
	})(w, r)
}

// TicketAssignee is a user a ticket may be given to.
type TicketAssignee struct {
	ID     int64          `json:"id"`
	Name   string         `json:"name"`
	Role   callfloor.Role `json:"role"`
	TeamID string         `json:"team_id,omitempty"`
}

// ticketAssignees lists the enabled users (and the teams) a ticket may go to.
func (a *API) ticketAssignees(w http.ResponseWriter, r *http.Request) (any, error) {
	us, err := a.DB.ListUsers(r.Context())
	if err != nil {
		return nil, err
	}
	out := []TicketAssignee{}
	for _, u := range us {
		if u.Disabled {
			continue
		}
		name := u.DisplayName
		if name == "" {
			name = u.Username
		}
		out = append(out, TicketAssignee{ID: u.ID, Name: name, Role: u.Role, TeamID: u.TeamID})
	}
	teams, err := a.DB.ListTeams(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"users": out, "teams": teams}, nil
}

func (a *API) listTicketCategories(w http.ResponseWriter, r *http.Request) (any, error) {
	cs, err := a.DB.TicketCategories(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"categories": cs}, nil
}

func (a *API) putTicketCategory(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var c storage.TicketCategory
	if err := decode(r, &c); err != nil {
		return nil, err
	}
	c.Code = r.PathValue("code")
	c, err := a.DB.PutTicketCategory(r.Context(), c)
	if err != nil {
		return nil, err
	}
	a.audit(r, "ticket_category_put", "ticket_category", c.Code, map[string]any{"name_zh": c.NameZh, "name_en": c.NameEn,
		"sla_hours": c.SLAHours, "default_priority": c.DefaultPriority, "fields": len(c.Fields), "disabled": c.Disabled,
		"sms_on_create": c.SMSOnCreate, "sms_on_answer": c.SMSOnAnswer})
	return c, nil
}

func (a *API) deleteTicketCategory(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	code := r.PathValue("code")
	if err := a.DB.DeleteTicketCategory(r.Context(), code); err != nil {
		return nil, err
	}
	a.audit(r, "ticket_category_delete", "ticket_category", code, nil)
	return map[string]bool{"deleted": true}, nil
}

func requireAdmin(r *http.Request) error {
	if p := principal(r); p.Role != callfloor.RoleAdmin {
		return forbidden("the notification gateways' settings carry secrets: admin only (you are %s)", p.Role)
	}
	return nil
}

func (a *API) getTicketNotifyConfig(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireAdmin(r); err != nil {
		return nil, err
	}
	return a.DB.TicketNotifyConfig(r.Context())
}

func (a *API) putTicketNotifyConfig(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireAdmin(r); err != nil {
		return nil, err
	}
	var body struct {
		storage.TicketNotifyConfig
		SMSSecret    *string `json:"sms_secret"`
		SMTPPassword *string `json:"smtp_password"`
		// read-only fields a client may send back
		SMSSecretSet    *bool `json:"sms_secret_set"`
		SMTPPasswordSet *bool `json:"smtp_password_set"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	c, err := a.DB.PutTicketNotifyConfig(r.Context(), body.TicketNotifyConfig, body.SMSSecret, body.SMTPPassword)
	if err != nil {
		return nil, err
	}
	// never the secrets, nor the gateway's URL (it may carry a token): that they changed
	a.audit(r, "ticket_notify_config", "ticket_notify_config", "", map[string]any{"sms_enabled": c.SMS.Enabled, "smtp_enabled": c.SMTP.Enabled,
		"smtp_host": c.SMTP.Host, "lang": c.Lang, "staff_emails": len(c.StaffEmails),
		"sms_secret_changed": body.SMSSecret != nil, "smtp_password_changed": body.SMTPPassword != nil})
	return c, nil
}

func (a *API) listTicketNotices(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireAdmin(r); err != nil {
		return nil, err
	}
	ns, err := a.DB.TicketNotices(r.Context(), 100)
	if err != nil {
		return nil, err
	}
	return map[string]any{"notifications": ns}, nil
}

// ticketReport builds the report (from, to: dates in the centre's zone; default the last 30 days).
func (a *API) ticketReport(r *http.Request) (*storage.TicketReport, string, string, error) {
	q := r.URL.Query()
	loc := a.Base.Location()
	format := q.Get("format")
	if err := choice("format", format, []string{"", "json", "csv", "xlsx"}); err != nil {
		return nil, "", "", err
	}
	to := q.Get("to")
	if to == "" {
		to = time.Now().In(loc).Format(time.DateOnly)
	}
	from := q.Get("from")
	if from == "" {
		from = time.Now().In(loc).AddDate(0, 0, -29).Format(time.DateOnly)
	}
	if from > to {
		return nil, "", "", invalid("to", "before from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
	}
	rep, err := a.DB.TicketReport(r.Context(), from, to, loc, ticketScope(principal(r)), time.Now())
	if err != nil {
		return nil, "", "", err
	}
	return &rep, format, reportLang(r), nil
}

var ticketReportHead = map[string][]string{
	langEN: {"group", "key", "created", "closed", "answered", "answered on time", "on-time rate", "followed up", "reopened", "reopen rate", "overdue open"},
	langZH: {"分组", "对象", "新建", "已结单", "已答复", "按时答复", "按时答复率", "已回访", "重开", "重开率", "超时未答复"},
}

var ticketGroupNames = map[string][3]string{
	langEN: {"category", "project", "day"},
	langZH: {"类别", "项目", "日期"},
}

func ticketPct(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f*100, 'f', 1, 64) + "%"
}

func ticketReportTable(rep *storage.TicketReport, lang string) [][]string {
	out := [][]string{ticketReportHead[lang]}
	g := ticketGroupNames[lang]
	row := func(group string, f storage.TicketFigures) []string {
		return []string{group, f.Key, strconv.Itoa(f.Created), strconv.Itoa(f.Closed), strconv.Itoa(f.Answered), strconv.Itoa(f.AnsweredOnTime),
			ticketPct(f.OnTimeRate), strconv.Itoa(f.FollowedUp), strconv.Itoa(f.Reopened), ticketPct(f.ReopenRate), strconv.Itoa(f.OverdueOpen)}
	}
	for i, part := range [][]storage.TicketFigures{rep.ByCategory, rep.ByProject, rep.ByDay} {
		for _, f := range part {
			out = append(out, row(g[i], f))
		}
	}
	total := map[string]string{langEN: "total", langZH: "合计"}[lang]
	t := rep.Total
	t.Key = total
	out = append(out, row(total, t))
	return out
}

// ticketReportXLSX writes the report's table as a workbook (counts as numbers, the header bold).
func ticketReportXLSX(buf *bytes.Buffer, rep *storage.TicketReport, lang string) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	sheet := map[string]string{langEN: "Tickets", langZH: "工单报表"}[lang]
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, row := range ticketReportTable(rep, lang) {
		cells := make([]any, len(row))
		for j, v := range row {
			if n, err := strconv.Atoi(v); err == nil && i > 0 {
				cells[j] = n
			} else {
				cells[j] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &cells); err != nil {
			return err
		}
	}
	_ = f.SetRowStyle(sheet, 1, 1, bold)
	_ = f.SetColWidth(sheet, "A", "K", 14)
	return f.Write(buf)
}
