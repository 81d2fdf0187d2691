package dashboards

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony"
)

// The agent's side of outbound campaigns (issue 13 item 5): the lead in front of the agent (its
// card: fields, the rendered script, the history), preview dialling (next lead, dial, skip) and
// a campaign call's disposition (one of the campaign's, required before wrap-up ends, recorded
// on the lead and as the call's disposition, conversions counted once per call).
//
// A preview dial that never reached a talk (busy, no answer, …) has its network result recorded
// on the lead by the desk itself, when the agent's desktop next asks for the lead (it does as
// soon as the call ends) or asks for the next one: settle, once per dial id.

// ReservationTTL: a reserved preview lead not dialled in this time goes back to the campaign.
const ReservationTTL = 10 * time.Minute

// SkipDelay: a skipped lead is due again after this.
const SkipDelay = 30 * time.Minute

// MaxSkipReasonLen bounds a skip's reason (characters).
const MaxSkipReasonLen = 200

// The desk's error codes for leads.
const (
	CodeNoPreviewCampaign     = "no_preview_campaign"     // the agent's team has no running preview campaign
	CodeNoLead                = "no_lead"                 // no lead is due now in the agent's preview campaigns
	CodeNoReservedLead        = "no_reserved_lead"        // dial or skip without a reserved lead
	CodeOutsideWindow         = "outside_window"          // the lead's calling window is closed now; params: next
	CodeFrequencyCap          = "frequency_cap"           // the number was dialled as often as allowed across campaigns; params: per_day, per_week
	CodeCallbackOutsideWindow = "callback_outside_window" // a call-back time outside the campaign's windows; params: next
)

func init() {
	callfloor.RegisterCode(CodeNoPreviewCampaign, callfloor.ECONFLICT)
	callfloor.RegisterCode(CodeNoLead, callfloor.ECONFLICT)
	callfloor.RegisterCode(CodeNoReservedLead, callfloor.ECONFLICT)
	callfloor.RegisterCode(CodeOutsideWindow, callfloor.ECONFLICT)
	callfloor.RegisterCode(CodeFrequencyCap, callfloor.ECONFLICT)
	callfloor.RegisterCode(CodeCallbackOutsideWindow, callfloor.EINVALID)
}

func (a *API) registerDeskLeads(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/agents/{id}/lead", a.getAgentLead)
	h("POST /api/v1/agents/{id}/lead/next", a.nextLead)
	h("POST /api/v1/agents/{id}/lead/dial", a.dialLead)
	h("POST /api/v1/agents/{id}/lead/skip", a.skipLead)
}

// LeadCard is the lead as the agent's card shows it. Phone is the number as dialled in China,
// masked but for its last four digits unless the reader sees the whole floor (PhoneMasked): the
// agent dials through the desk and needs no more to confirm the customer.
type LeadCard struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Phone       string            `json:"phone"`
	PhoneMasked bool              `json:"phone_masked"`
	TimeZone    string            `json:"time_zone"`
	Fields      map[string]string `json:"fields"`
	Status      string            `json:"status"`
	Attempts    int               `json:"attempts"`
	Owner       string            `json:"owner,omitempty"`
	CallbackAt  *time.Time        `json:"callback_at,omitempty"`
}

// DeskCampaign is what the card needs of the lead's campaign.
type DeskCampaign struct {
	ID           string                    `json:"id"`
	Name         string                    `json:"name"`
	Mode         callfloor.PacingMode      `json:"mode"`
	Status       string                    `json:"status"`
	TimeZone     string                    `json:"time_zone"`
	Windows      []callfloor.CallingWindow `json:"windows"`
	Dispositions []callfloor.Disposition   `json:"dispositions"`
}

// LeadHistoryRow is one earlier attempt, with its agent's name and disposition's name.
type LeadHistoryRow struct {
	storage.LeadCardAttempt
	AgentName       string `json:"agent_name,omitempty"`
	DispositionName string `json:"disposition_name,omitempty"`
}

// DeskLead is the lead in front of the agent. Stage: reserved (preview, not dialled yet),
// dialling, on_call, wrap_up, ended (the call is over and the agent has moved on).
type DeskLead struct {
	Lead          LeadCard                 `json:"lead"`
	Campaign      DeskCampaign             `json:"campaign"`
	Script        string                   `json:"script"`
	ScriptParts   []callfloor.ScriptPart   `json:"script_parts"`
	History       []LeadHistoryRow         `json:"history"`
	Stage         string                   `json:"stage"`
	DialID        string                   `json:"dial_id,omitempty"`
	ReservedUntil *time.Time               `json:"reserved_until,omitempty"`
	CallID        string                   `json:"call_id,omitempty"`
	Answered      bool                     `json:"answered"`
	Disposition   *storage.CallDisposition `json:"disposition,omitempty"`
}

// AgentLead is GET .../lead's answer: the card (null: none) and the agent's preview campaigns.
type AgentLead struct {
	Card             *DeskLead      `json:"card"`
	PreviewCampaigns []DeskCampaign `json:"preview_campaigns"`
}

func maskPhone(p string) string {
	r := []rune(p)
	if len(r) <= 4 {
		return p
	}
	return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
}

// previewCampaigns are the running preview campaigns whose teams include the agent's.
func (a *API) previewCampaigns(ctx context.Context, ag callfloor.Agent) ([]storage.CampaignInfo, error) {
	all, err := a.DB.ListCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	var out []storage.CampaignInfo
	for _, c := range all {
		if c.Status == "running" && c.Mode == callfloor.PacePreview && ag.Team != "" && slices.Contains(c.Teams, ag.Team) {
			out = append(out, c)
		}
	}
	return out, nil
}

func deskCampaign(c storage.CampaignInfo) DeskCampaign {
	return DeskCampaign{ID: c.ID, Name: c.Name, Mode: c.Mode, Status: c.Status, TimeZone: c.TimeZone, Windows: c.Windows, Dispositions: c.Dispositions}
}

// calendar is the holiday calendar around now, as the campaigns' windows read it (NextOpen
// looks up to 60 days ahead).
func (a *API) calendar(ctx context.Context, now time.Time) (callfloor.HolidayCalendar, error) {
	day := now.In(time.UTC).Format(time.DateOnly)
	return a.DB.HolidayCalendar(ctx, callfloor.AddDays(day, -2), callfloor.AddDays(day, 63))
}

// leadLoc is the lead's time zone: its own, else its campaign's.
func leadLoc(l storage.Lead, c callfloor.Campaign) *time.Location {
	tz := l.TimeZone
	if tz == "" {
		tz = c.TimeZone
	}
	if loc, err := time.LoadLocation(tz); err == nil {
		return loc
	}
	return time.UTC
}

// dialResultOf is what the network made of a campaign call.
func dialResultOf(c *callfloor.Call) callfloor.DialResult {
	switch {
	case !c.AnsweredAt.IsZero():
		return callfloor.ResultAnswered
	case c.Outcome == callfloor.OutcomeBusy:
		return callfloor.ResultBusy
	case c.Outcome == callfloor.OutcomeNoAnswer:
		return callfloor.ResultNoAnswer
	case c.Cause != 0:
		return callfloor.ResultOfCause(c.Cause)
	}
	return callfloor.ResultFailed
}

func ringOf(c *callfloor.Call) time.Duration {
	if c.CustomerRingAt.IsZero() {
		return 0
	}
	end := c.AnsweredAt
	if end.IsZero() {
		end = c.EndedAt
	}
	if end.IsZero() || end.Before(c.CustomerRingAt) {
		return 0
	}
	return end.Sub(c.CustomerRingAt)
}

// expireReservations gives back every preview lead reserved and not dialled in time.
func (a *API) expireReservations(ctx context.Context) {
	now := time.Now()
	if _, err := a.DB.ExpireReservations(ctx, now.Add(-ReservationTTL), now); err != nil {
		a.logWarn("expiring reserved leads", "err", err)
	}
}

// settle brings the agent's reservation up to date with its dial: a dial that never reached
// the customer (the agent's phone did not answer) gets a fresh dial id, a dial the customer did
// not answer has its network result recorded on the lead (once: RecordAttempt keeps one attempt
// per dial id) and ends the reservation; an answered one waits for its disposition. It returns
// the reservation left (nil: none) and its call (nil: not dialled, or the live record is gone).
func (a *API) settle(ctx context.Context, agent string) (*storage.Reservation, *callfloor.Call, error) {
	r, err := a.DB.Reservation(ctx, agent)
	if err != nil || r == nil {
		return nil, nil, err
	}
	c, cerr := a.ACD.Store().Call(ctx, r.DialID)
	if cerr != nil {
		if r.DialledAt != nil && time.Since(*r.DialledAt) > time.Hour {
			// the live record is gone and no disposition came: the lead goes back, no attempt
			return nil, nil, a.DB.ReleaseReservation(ctx, *r, time.Now())
		}
		return r, nil, nil
	}
	if r.DialledAt == nil {
		at := c.EnteredAt
		r.DialledAt = &at
		if err := a.DB.MarkDialled(ctx, agent, r.DialID, at); err != nil {
			return nil, nil, err
		}
	}
	switch {
	case c.EndedAt.IsZero() || !c.AnsweredAt.IsZero():
		return r, c, nil
	case c.CustomerRingAt.IsZero():
		fresh := telephony.NewCallID()
		if err := a.DB.RenewDial(ctx, agent, r.DialID, fresh); err != nil {
			return nil, nil, err
		}
		r.DialID, r.DialledAt = fresh, nil
		return r, nil, nil
	}
	cal, err := a.calendar(ctx, time.Now())
	if err != nil {
		return nil, nil, err
	}
	if _, err := a.DB.RecordAttempt(ctx, storage.AttemptRecord{LeadID: r.LeadID, DialID: r.DialID, At: c.EnteredAt, Result: dialResultOf(c),
		Ring: ringOf(c), CallID: c.ID, Agent: agent}, cal); err != nil {
		return nil, nil, err
	}
	return nil, c, a.DB.EndReservation(ctx, agent, r.DialID)
}

// leadCard builds the card of a lead for the reader p; r is the agent's reservation of it
// (nil: none), c its call (nil: none).
func (a *API) leadCard(ctx context.Context, p callfloor.Principal, leadID int64, r *storage.Reservation, c *callfloor.Call, agentState callfloor.AgentState) (*DeskLead, error) {
	l, err := a.DB.LeadByID(ctx, leadID)
	if err != nil {
		return nil, err
	}
	ci, err := a.DB.GetCampaign(ctx, l.Campaign)
	if err != nil {
		return nil, err
	}
	hist, err := a.DB.LeadHistory(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	card := &DeskLead{Campaign: deskCampaign(ci), History: make([]LeadHistoryRow, 0, len(hist))}
	card.Lead = LeadCard{ID: l.ID, Name: l.Name, Phone: callfloor.NationalDial(l.Phone), TimeZone: leadLoc(l, ci.Campaign).String(), Fields: l.Fields, Status: l.Status,
		Attempts: l.Attempts, Owner: l.Owner, CallbackAt: l.CallbackAt}
	if !p.CanSeeAll() {
		card.Lead.Phone, card.Lead.PhoneMasked = maskPhone(card.Lead.Phone), true
	}
	fields := map[string]string{"name": l.Name, "phone": card.Lead.Phone, "姓名": l.Name}
	for k, v := range l.Fields {
		fields[k] = v
	}
	card.Script = callfloor.RenderScript(ci.Script, fields)
	card.ScriptParts = callfloor.RenderScriptParts(ci.Script, fields)
	if card.ScriptParts == nil {
		card.ScriptParts = []callfloor.ScriptPart{}
	}
	for _, h := range hist {
		row := LeadHistoryRow{LeadCardAttempt: h}
		if ag, err := a.agentProfile(h.Agent); err == nil {
			row.AgentName = ag.Name
		}
		if d, ok := ci.Disposition(h.Disposition); ok {
			row.DispositionName = d.Name
		}
		card.History = append(card.History, row)
	}
	switch {
	case c != nil:
		card.CallID, card.DialID, card.Answered = c.ID, c.ID, !c.AnsweredAt.IsZero()
		switch {
		case c.EndedAt.IsZero() && c.AnsweredAt.IsZero():
			card.Stage = "dialling"
		case c.EndedAt.IsZero():
			card.Stage = "on_call"
		case agentState == callfloor.AgentWrapUp:
			card.Stage = "wrap_up"
		default:
			card.Stage = "ended"
		}
		if d, err := a.DB.GetCallDisposition(ctx, c.ID); err == nil {
			card.Disposition = &d
		}
	case r != nil:
		card.Stage, card.DialID = "reserved", r.DialID
		until := r.ReservedAt.Add(ReservationTTL)
		card.ReservedUntil = &until
	}
	return card, nil
}

// agentLeadCall is the campaign call in front of the agent: their current call, or in wrap-up
// the call just ended, when it has a lead.
func (a *API) agentLeadCall(ctx context.Context, st callfloor.AgentStatus) *callfloor.Call {
	ids := []string{st.Call}
	if st.State == callfloor.AgentWrapUp {
		ids = append(ids, st.LastCall)
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if c, err := a.ACD.Store().Call(ctx, id); err == nil && c.LeadID > 0 && c.CampaignID != "" {
			return c
		}
	}
	return nil
}

// agentLead answers with the lead in front of the agent.
func (a *API) agentLead(ctx context.Context, p callfloor.Principal, ag callfloor.Agent) (AgentLead, error) {
	out := AgentLead{PreviewCampaigns: []DeskCampaign{}}
	pcs, err := a.previewCampaigns(ctx, ag)
	if err != nil {
		return out, err
	}
	for _, c := range pcs {
		out.PreviewCampaigns = append(out.PreviewCampaigns, deskCampaign(c))
	}
	a.expireReservations(ctx)
	st, err := a.ACD.AgentStatus(ctx, ag.ID)
	if err != nil {
		return out, err
	}
	r, rc, err := a.settle(ctx, ag.ID)
	if err != nil {
		return out, err
	}
	c := a.agentLeadCall(ctx, st)
	if c == nil && rc != nil && r != nil {
		c = rc // the preview dial's call, when the agent's state has moved past it
	}
	var leadID int64
	switch {
	case c != nil:
		leadID = c.LeadID
		if r != nil && r.LeadID != c.LeadID {
			r = nil
		}
	case r != nil:
		leadID = r.LeadID
	default:
		return out, nil
	}
	out.Card, err = a.leadCard(ctx, p, leadID, r, c, st.State)
	return out, err
}

func (a *API) deskLeadAgent(r *http.Request) (callfloor.Agent, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return ag, err
	}
	if a.DB == nil {
		return ag, &callfloor.Error{Code: callfloor.EUNAVAILABLE, Message: "campaigns need the database"}
	}
	return ag, nil
}

func (a *API) getAgentLead(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.deskLeadAgent(r)
	if err != nil {
		return nil, err
	}
	return a.agentLead(r.Context(), principal(r), ag)
}

// nextLead reserves the agent's next preview lead (or returns the one they hold).
func (a *API) nextLead(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.deskLeadAgent(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	pcs, err := a.previewCampaigns(ctx, ag)
	if err != nil {
		return nil, err
	}
	if len(pcs) == 0 {
		return nil, &callfloor.Error{Code: CodeNoPreviewCampaign, Kind: callfloor.ECONFLICT,
			Message: fmt.Sprintf("team %q of agent %s has no running preview campaign", ag.Team, ag.ID)}
	}
	a.expireReservations(ctx)
	held, _, err := a.settle(ctx, ag.ID)
	if err != nil {
		return nil, err
	}
	if held != nil && held.DialledAt != nil {
		return nil, &callfloor.Error{Code: callfloor.EDispositionRequired, Kind: callfloor.ECONFLICT, Field: "disposition", Params: callfloor.Params{"what": "campaign"},
			Message: fmt.Sprintf("lead %d was dialled: give its call's disposition before the next lead", held.LeadID)}
	}
	byID := map[string]storage.CampaignInfo{}
	ids := make([]string, 0, len(pcs))
	for _, c := range pcs {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	now := time.Now()
	cal, err := a.calendar(ctx, now)
	if err != nil {
		return nil, err
	}
	for range 50 { // leads whose zone is outside the window now go to their next window
		// numbers at the frequency cap are put off to when it frees them, not handed out
		res, existing, err := a.DB.ReserveLeadCapped(ctx, ag.ID, ids, now, telephony.NewCallID, storage.LeadCap{Cap: a.frequencyCap(), Zone: time.UTC})
		if err != nil {
			return nil, err
		}
		if res == nil {
			return nil, &callfloor.Error{Code: CodeNoLead, Kind: callfloor.ECONFLICT, Message: "no lead is due now in your preview campaigns"}
		}
		if !existing {
			l, err := a.DB.LeadByID(ctx, res.LeadID)
			if err != nil {
				return nil, err
			}
			c := byID[res.Campaign]
			if loc := leadLoc(l, c.Campaign); !c.OpenAt(now, loc, cal) {
				next, ok := c.NextOpen(now, loc, cal)
				if !ok {
					next = now.Add(24 * time.Hour)
				}
				if err := a.DB.ReleaseReservation(ctx, *res, next); err != nil {
					return nil, err
				}
				continue
			}
			a.onBehalf(r, "lead_reserved", ag.ID, map[string]any{"campaign": res.Campaign, "lead": res.LeadID})
		}
		return a.agentLead(ctx, principal(r), ag)
	}
	return nil, &callfloor.Error{Code: CodeNoLead, Kind: callfloor.ECONFLICT, Message: "no lead of your preview campaigns may be called now"}
}

// heldLead is the agent's reservation that has not been dialled yet, with its lead and campaign.
func (a *API) heldLead(ctx context.Context, ag callfloor.Agent) (*storage.Reservation, storage.Lead, storage.CampaignInfo, error) {
	res, _, err := a.settle(ctx, ag.ID)
	if err != nil {
		return nil, storage.Lead{}, storage.CampaignInfo{}, err
	}
	if res == nil {
		return nil, storage.Lead{}, storage.CampaignInfo{}, &callfloor.Error{Code: CodeNoReservedLead, Kind: callfloor.ECONFLICT,
			Message: fmt.Sprintf("agent %s holds no lead: take the next one first", ag.ID)}
	}
	if res.DialledAt != nil {
		return nil, storage.Lead{}, storage.CampaignInfo{}, &callfloor.Error{Code: telephony.CodeAlreadyDialled, Kind: callfloor.ECONFLICT,
			Message: fmt.Sprintf("lead %d was already dialled (%s)", res.LeadID, res.DialID)}
	}
	l, err := a.DB.LeadByID(ctx, res.LeadID)
	if err != nil {
		return nil, l, storage.CampaignInfo{}, err
	}
	c, err := a.DB.GetCampaign(ctx, res.Campaign)
	return res, l, c, err
}

// dialLead dials the agent's reserved lead: the agent's phone first, then the customer.
func (a *API) dialLead(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.deskLeadAgent(r)
	if err != nil {
		return nil, err
	}
	d, err := a.desk()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	res, l, c, err := a.heldLead(ctx, ag)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if c.Status != "running" {
		if err := a.DB.ReleaseReservation(ctx, *res, now); err != nil {
			return nil, err
		}
		return nil, &callfloor.Error{Code: callfloor.CodeStateConflict, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"state": c.Status, "what": "campaign"},
			Message: fmt.Sprintf("campaign %s is %s: its lead went back", c.ID, c.Status)}
	}
	if dnc, err := a.DB.OnDNC(ctx, l.Phone, c.ID); err != nil {
		return nil, err
	} else if dnc {
		if err := a.DB.ReleaseReservation(ctx, *res, now); err != nil {
			return nil, err
		}
		return nil, callfloor.Invalid("phone", storage.CodeDoNotCall, nil, "the number of lead %d was put on the do-not-call list since it was reserved", l.ID)
	}
	cal, err := a.calendar(ctx, now)
	if err != nil {
		return nil, err
	}
	if loc := leadLoc(l, c.Campaign); !c.OpenAt(now, loc, cal) {
		next, ok := c.NextOpen(now, loc, cal)
		if !ok {
			next = now.Add(24 * time.Hour)
		}
		if err := a.DB.ReleaseReservation(ctx, *res, next); err != nil {
			return nil, err
		}
		return nil, &callfloor.Error{Code: CodeOutsideWindow, Kind: callfloor.ECONFLICT, Field: "lead",
			Params:  callfloor.Params{"next": next.In(loc).Format("2006-01-02 15:04"), "time_zone": loc.String()},
			Message: fmt.Sprintf("the calling window of lead %d is closed now (next: %s %s): the lead went back", l.ID, next.In(loc).Format("2006-01-02 15:04"), loc)}
	}
	if fc := a.frequencyCap(); fc.PerDay > 0 || fc.PerWeek > 0 {
		recent, err := a.DB.RecentAttempts(ctx, []string{l.Phone}, now.Add(-7*24*time.Hour))
		if err != nil {
			return nil, err
		}
		if loc := leadLoc(l, c.Campaign); !fc.Allows(recent[l.Phone], now, loc) {
			next := fc.FreeAt(recent[l.Phone], now, loc) // as the choice of leads puts a capped number off
			if err := a.DB.ReleaseReservation(ctx, *res, next); err != nil {
				return nil, err
			}
			return nil, &callfloor.Error{Code: CodeFrequencyCap, Kind: callfloor.ECONFLICT, Field: "lead",
				Params:  callfloor.Params{"per_day": fc.PerDay, "per_week": fc.PerWeek},
				Message: fmt.Sprintf("the number of lead %d was dialled as often as allowed across campaigns (%d a day, %d a week): the lead went back", l.ID, fc.PerDay, fc.PerWeek)}
		}
	}
	if _, err := d.DialLead(ctx, ag.ID, callfloor.NationalDial(l.Phone), telephony.LeadDial{CallID: res.DialID, Campaign: c.ID, Lead: l.ID}); err != nil {
		return nil, err
	}
	if err := a.DB.MarkDialled(ctx, ag.ID, res.DialID, now); err != nil {
		return nil, err
	}
	a.onBehalf(r, "lead_dialled", ag.ID, map[string]any{"campaign": c.ID, "lead": l.ID, "call_id": res.DialID})
	return a.agentLead(ctx, principal(r), ag)
}

// skipLead gives the reserved lead back without dialling it, with a reason (audited).
func (a *API) skipLead(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.deskLeadAgent(r)
	if err != nil {
		return nil, err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(body.Reason)
	if reason == "" {
		return nil, invalid("reason", "say why the lead is skipped").With(callfloor.CodeRequired, nil)
	}
	if utf8.RuneCountInString(reason) > MaxSkipReasonLen {
		return nil, invalid("reason", "at most %d characters", MaxSkipReasonLen).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxSkipReasonLen})
	}
	ctx := r.Context()
	res, l, c, err := a.heldLead(ctx, ag)
	if err != nil {
		return nil, err
	}
	if err := a.DB.ReleaseReservation(ctx, *res, time.Now().Add(SkipDelay)); err != nil {
		return nil, err
	}
	a.audit(r, "lead_skipped", "agent", ag.ID, map[string]any{"campaign": c.ID, "lead": l.ID, "reason": reason})
	return a.agentLead(ctx, principal(r), ag)
}

// ---- a campaign call's disposition ----

// dispositionBody is PUT /calls/{id}/disposition's body: callback_at and personal apply to a
// campaign call's call-back disposition only.
type dispositionBody struct {
	Code       *string    `json:"code"`
	Note       *string    `json:"note"`
	CallbackAt *time.Time `json:"callback_at"`
	Personal   *bool      `json:"personal"`
}

// LeadDisposition is a campaign call's saved disposition and what became of its lead.
type LeadDisposition struct {
	storage.CallDisposition
	LeadID     int64      `json:"lead_id"`
	Campaign   string     `json:"campaign"`
	LeadStatus string     `json:"lead_status"`
	NextAt     *time.Time `json:"next_attempt_at,omitempty"`
	CallbackAt *time.Time `json:"callback_at,omitempty"`
	Personal   bool       `json:"personal,omitempty"`
	DNC        bool       `json:"do_not_call,omitempty"`
}

// campaignCall is the call id's campaign call: its live record, or (an hour after it ended,
// when the live record is gone) rebuilt from the history and the lead dialled under its id.
// nil when the call is not a campaign's.
func (a *API) campaignCall(ctx context.Context, id string) (*callfloor.Call, error) {
	if c, err := a.ACD.Store().Call(ctx, id); err == nil {
		if c.LeadID > 0 && c.CampaignID != "" {
			return c, nil
		}
		return nil, nil
	}
	if a.DB == nil {
		return nil, nil
	}
	l, err := a.DB.LeadOfDial(ctx, id)
	if err != nil {
		return nil, nil
	}
	h, err := a.DB.CallByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c := &callfloor.Call{ID: h.ID, Queue: h.Queue, Agent: h.Agent, EnteredAt: h.EnteredAt, Outcome: callfloor.Outcome(h.Outcome), CampaignID: l.Campaign, LeadID: l.ID}
	if h.AnsweredAt != nil {
		c.AnsweredAt = *h.AnsweredAt
	}
	if h.EndedAt != nil {
		c.EndedAt = *h.EndedAt
	}
	if h.Cause != nil {
		c.Cause = *h.Cause
	}
	return c, nil
}

// cleanNote checks a disposition's note.
func cleanNote(s string) (string, error) {
	note := strings.TrimSpace(s)
	if utf8.RuneCountInString(note) > MaxNoteLen {
		return "", invalid("note", "at most %d characters", MaxNoteLen).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxNoteLen})
	}
	return note, nil
}

// putLeadDisposition saves a campaign call's disposition: one of the campaign's (required), a
// call-back with its time (future, inside the campaign's windows in the lead's zone) personal or
// shared; recorded on the lead (RecordAttempt under the call's id, its dial id) and as the call's
// disposition; a success counts one conversion per call.
func (a *API) putLeadDisposition(r *http.Request, c *callfloor.Call, body dispositionBody) (any, error) {
	ctx := r.Context()
	if c.Agent == "" {
		return nil, &callfloor.Error{Code: callfloor.ECONFLICT, Message: fmt.Sprintf("call %q was not handled by an agent", c.ID)}
	}
	ag, err := a.scopedAgent(r, c.Agent, canAct)
	if err != nil {
		return nil, err
	}
	if !c.EndedAt.IsZero() && time.Since(c.EndedAt) > DispositionWindow {
		return nil, &callfloor.Error{Code: callfloor.EDispositionClosed,
			Message: fmt.Sprintf("call %q ended more than %d hours ago: its disposition can no longer change", c.ID, int(DispositionWindow.Hours()))}
	}
	ci, err := a.DB.GetCampaign(ctx, c.CampaignID)
	if err != nil {
		return nil, err
	}
	cur, err := a.DB.GetCallDisposition(ctx, c.ID)
	if err != nil && callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		return nil, err
	}
	code := cur.Code
	if body.Code != nil {
		code = strings.TrimSpace(*body.Code)
	}
	codes := make([]string, len(ci.Dispositions))
	for i, d := range ci.Dispositions {
		codes[i] = d.Code
	}
	if code == "" {
		return nil, callfloor.Invalid("code", callfloor.CodeRequired, nil, "a campaign call's disposition is one of campaign %s's", ci.ID)
	}
	disp, ok := ci.Disposition(code)
	if !ok {
		return nil, callfloor.Invalid("code", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": codes, "value": code}, "campaign %s has no disposition %q", ci.ID, code)
	}
	note := cur.Note
	if body.Note != nil {
		if note, err = cleanNote(*body.Note); err != nil {
			return nil, err
		}
	}
	l, err := a.DB.LeadByID(ctx, c.LeadID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	cal, err := a.calendar(ctx, now)
	if err != nil {
		return nil, err
	}
	var cb time.Time
	personal := true
	switch {
	case disp.Callback:
		if body.CallbackAt == nil {
			return nil, callfloor.Invalid("callback_at", callfloor.CodeRequired, nil, "a call-back (%s) needs its time", disp.Name)
		}
		cb = *body.CallbackAt
		if !cb.After(now) {
			return nil, callfloor.Invalid("callback_at", callfloor.CodeMustBeAfter, callfloor.Params{"other": "now"}, "a call-back is in the future")
		}
		if loc := leadLoc(l, ci.Campaign); !ci.OpenAt(cb, loc, cal) {
			p := callfloor.Params{"time_zone": loc.String()}
			if next, ok := ci.NextOpen(cb, loc, cal); ok {
				p["next"] = next.In(loc).Format("2006-01-02 15:04")
			}
			return nil, callfloor.Invalid("callback_at", CodeCallbackOutsideWindow, p, "%s is outside campaign %s's calling windows (the customer's time, %s)", cb.In(loc).Format("2006-01-02 15:04"), ci.ID, loc)
		}
		if body.Personal != nil {
			personal = *body.Personal
		}
	case body.CallbackAt != nil:
		return nil, callfloor.Invalid("callback_at", callfloor.CodeNotApplicable, callfloor.Params{"other": "code", "value": code}, "only a call-back disposition takes a time")
	case body.Personal != nil:
		return nil, callfloor.Invalid("personal", callfloor.CodeNotApplicable, callfloor.Params{"other": "code", "value": code}, "only a call-back disposition is personal or shared")
	}
	next, err := a.DB.RecordAttempt(ctx, storage.AttemptRecord{LeadID: c.LeadID, DialID: c.ID, At: c.EnteredAt, Result: dialResultOf(c), Ring: ringOf(c),
		CallID: c.ID, Agent: c.Agent, Disposition: code, CallbackAt: cb}, cal)
	if err != nil {
		return nil, err
	}
	if disp.Callback && !personal {
		if err := a.DB.ShareCallback(ctx, c.LeadID); err != nil {
			return nil, err
		}
	}
	p := principal(r)
	d := storage.CallDisposition{CallID: c.ID, Queue: c.Queue, AgentID: c.Agent, Code: code, Label: disp.Name, Note: note, SetBy: p.Username, SetAt: now.UTC()}
	if err := a.DB.SetCallDisposition(ctx, d); err != nil {
		return nil, err
	}
	if delta, err := a.DB.CountConversion(ctx, c.ID, ci.ID, disp.Success); err != nil {
		return nil, err
	} else if delta != 0 {
		if err := a.ACD.Store().IncrCampaign(ctx, ci.ID, ag.Team, c.EnteredAt, map[string]int64{realtime.CampSuccess: delta}); err != nil {
			a.logWarn("counting a conversion", "call_id", c.ID, "campaign", ci.ID, "delta", delta, "err", err)
		}
	}
	if err := a.DB.EndReservation(ctx, c.Agent, c.ID); err != nil {
		return nil, err
	}
	out := LeadDisposition{CallDisposition: d, LeadID: c.LeadID, Campaign: ci.ID, DNC: next.DNC}
	if l, err := a.DB.LeadByID(ctx, c.LeadID); err == nil {
		out.LeadStatus, out.NextAt, out.CallbackAt = l.Status, l.NextAttemptAt, l.CallbackAt
		out.Personal = l.Status == "callback" && l.Owner != ""
	}
	detail := map[string]any{"call_id": c.ID, "code": code, "campaign": ci.ID, "lead": c.LeadID}
	if disp.Callback {
		detail["callback_at"], detail["personal"] = cb, personal
	}
	a.onBehalf(r, "call_disposition", c.Agent, detail)
	return out, nil
}

// leadDispositionGiven refuses to end the wrap-up of an answered campaign call without a
// disposition.
func (a *API) leadDispositionGiven(ctx context.Context, c *callfloor.Call) error {
	if c.AnsweredAt.IsZero() {
		return nil // nobody talked: the network's result is the lead's outcome
	}
	d, err := a.DB.GetCallDisposition(ctx, c.ID)
	switch {
	case callfloor.ErrorCode(err) == callfloor.ENOTFOUND || (err == nil && d.Code == ""):
		return &callfloor.Error{Code: callfloor.EDispositionRequired, Field: "disposition", Params: callfloor.Params{"what": "campaign"},
			Message: fmt.Sprintf("campaign %s requires a disposition for call %s before wrap-up ends", c.CampaignID, c.ID)}
	case err != nil:
		a.logWarn("disposition check skipped", "call_id", c.ID, "err", err)
	}
	return nil
}

// frequencyCap is the configured cap on attempts at one number across campaigns.
func (a *API) frequencyCap() callfloor.FrequencyCap {
	if a.Base != nil && a.Base.ACD.Outbound.FrequencyCap != nil {
		return *a.Base.ACD.Outbound.FrequencyCap
	}
	return callfloor.DefaultFrequencyCap
}
