package realtime

import (
	"time"

	"github.com/callfloor/callfloor"
)

// The live views the wallboards and agent desktops show, computed from the live state with the
// domain's metric formulas (kpi.go at the root; definitions in shared/design/metrics.md). The
// KPI engine (kpi.go in this package) fills them; the WebSocket hub (hub.go) pushes them.
//
// Rates are fractions (0.819 = 81.9 %); nil means "n/a" (zero denominator), never 100 %.
// Durations are seconds. Times that keep moving (longest wait, time in state, call duration) are
// sent as the instant they started, so clients count them up without being sent anything.

// Figures are a queue's (or the floor's) counters and rates over one period: today so far, or
// the sliding window (calls that entered in the last Window, cohort as metrics.md says).
type Figures struct {
	Offered          int64    `json:"offered"`
	Answered         int64    `json:"answered"`
	Abandoned        int64    `json:"abandoned"`
	ShortAbandoned   int64    `json:"short_abandoned"`
	AnsweredWithinT  int64    `json:"answered_within_t"`
	FlowedOut        int64    `json:"flowed_out"`
	Lost             int64    `json:"lost"` // cut off by an Asterisk crash or restart: a system fault, not an abandon
	Handled          int64    `json:"handled"`
	ServiceLevel     *float64 `json:"service_level"`      // Ans_T ÷ (Ans + Ab − SAb)
	AbandonRate      *float64 `json:"abandon_rate"`       // (Ab − SAb) ÷ (offered − SAb − lost)
	GrossAbandonRate *float64 `json:"gross_abandon_rate"` // Ab ÷ (offered − lost)
	ASA              *float64 `json:"asa_s"`
	AHT              *float64 `json:"aht_s"`
}

// AgentCounts are agents by state; Paused splits the paused ones by reason.
type AgentCounts struct {
	Available int            `json:"available"`
	Ringing   int            `json:"ringing"`
	OnCall    int            `json:"on_call"`
	WrapUp    int            `json:"wrap_up"`
	Paused    int            `json:"paused"`
	LoggedOut int            `json:"logged_out"`
	ByReason  map[string]int `json:"paused_by_reason"`
}

// Thresholds are a queue's wallboard colours: amber/red limits (0 = not set).
type Thresholds struct {
	SLTarget     float64 `json:"sl_target"`
	WaitingAmber int     `json:"waiting_amber"`
	WaitingRed   int     `json:"waiting_red"`
	LongestAmber float64 `json:"longest_wait_amber_s"`
	LongestRed   float64 `json:"longest_wait_red_s"`
}

// QueueView is one queue tile.
type QueueView struct {
	Queue       string     `json:"queue"`
	Waiting     int        `json:"waiting"`
	OldestSince *time.Time `json:"oldest_waiting_since"` // longest current wait = now − this; nil when nobody waits
	// CallbacksWaiting: call-backs requested in the queue, their number not yet connected
	// (issue 14); they are counted in Waiting too, at their place.
	CallbacksWaiting int         `json:"callbacks_waiting"`
	Agents           AgentCounts `json:"agents"` // agents serving the queue
	Today            Figures     `json:"today"`
	Window           Figures     `json:"window"`
	WindowMin        int         `json:"window_min"`
	Occupancy        *float64    `json:"occupancy"` // today, agents serving the queue: handling ÷ (handling + available)
	Thresholds       Thresholds  `json:"thresholds"`
	Status           string      `json:"status"`                  // "ok" | "amber" | "red": the worst threshold crossed now
	StatusReason     string      `json:"status_reason,omitempty"` // in English, for API clients
	// StatusReasons: the thresholds crossed as codes and numbers, for a UI to say in its language.
	StatusReasons []StatusReason `json:"status_reasons,omitempty"`
	// Targets: the queue's targets (its own, else its project's, figure by figure; nil when it
	// has none). A service-level target here replaces Thresholds.SLTarget (which then says it).
	Targets *QueueTargets `json:"targets,omitempty"`
	// AHTStatus is today's AHT against Targets.AHTS: "ok", "amber" (above it) or "red" (more
	// than 20 % above it); "" without a target or an AHT.
	AHTStatus string `json:"aht_status,omitempty"`
}

// QueueTargets are what a queue's figures are shown against (nil: no target). Fractions are
// 0..1; AHTS is seconds.
type QueueTargets struct {
	ServiceLevel     *float64 `json:"service_level,omitempty"`
	AHTS             *float64 `json:"aht_s,omitempty"`
	ConnectRate      *float64 `json:"connect_rate,omitempty"`
	OccupancyMin     *float64 `json:"occupancy_min,omitempty"`
	OccupancyMax     *float64 `json:"occupancy_max,omitempty"`
	DailyDials       *int64   `json:"daily_dials,omitempty"`
	DailyTalkMinutes *int64   `json:"daily_talk_minutes,omitempty"`
}

// AHTRedOver is how far above the AHT target a queue's AHT turns red (amber above the target).
const AHTRedOver = 1.2

// ahtStatus is today's AHT against the target ("" without either).
func ahtStatus(aht, target *float64) string {
	switch {
	case aht == nil || target == nil || *target <= 0:
		return ""
	case *aht > *target*AHTRedOver:
		return "red"
	case *aht > *target:
		return "amber"
	}
	return "ok"
}

// StatusReason is one crossed threshold: code waiting (callers waiting), longest_wait (seconds)
// or service_level (percent); Value crossed Limit (below it, for service_level).
type StatusReason struct {
	Code  string  `json:"code"`
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
}

// CurrentCall is the call an agent is on (or ringing for).
type CurrentCall struct {
	ID        string     `json:"id"`
	Direction string     `json:"direction"`
	Queue     string     `json:"queue,omitempty"`
	Number    string     `json:"number"`               // the customer's
	Since     time.Time  `json:"since"`                // answered (or offered, while ringing)
	HoldSince *time.Time `json:"hold_since,omitempty"` // on hold since (a phone's hold key or the desktop)
	HoldDesk  bool       `json:"hold_desk,omitempty"`  // held from the desktop: the desktop may resume it
	Connected bool       `json:"connected"`            // agent and customer are talking (may hold)
}

// AgentView is one agent tile / the agent desktop's header.
type AgentView struct {
	Agent        string               `json:"agent"`
	Name         string               `json:"name"`
	Team         string               `json:"team,omitempty"`
	State        callfloor.AgentState `json:"state"`
	Reason       string               `json:"reason,omitempty"`
	PendingPause string               `json:"pending_pause,omitempty"` // "pause after this call": the reason
	LastCall     string               `json:"last_call,omitempty"`     // the call last talked on (its disposition during wrap-up)
	Since        time.Time            `json:"since"`                   // time in state = now − this
	WrapUntil    *time.Time           `json:"wrap_until,omitempty"`
	HandledToday int64                `json:"handled_today"`
	AHT          *float64             `json:"aht_s"`
	Occupancy    *float64             `json:"occupancy"`
	MissedOffers int64                `json:"missed_offers"`
	Call         *CurrentCall         `json:"call,omitempty"`
	// A paused agent: the reason's maximum (0 = none; tiles turn amber beyond it, red beyond
	// twice it) and, for a timed pause (missed rings), when the ACD makes them available.
	PauseMaxS  int        `json:"pause_max_s,omitempty"`
	PauseUntil *time.Time `json:"pause_until,omitempty"`
}

// Alert kinds.
const (
	// AlertPauseOverMax: an agent has been paused longer than the reason's maximum.
	AlertPauseOverMax = "pause_over_max"
	// AlertNotYetIn: an agent rostered now (the shift began more than the grace ago) is not
	// logged in and has not started work (KPIOptions.Attendance).
	AlertNotYetIn = "not_yet_in"
	// AlertLate: an agent started work late today (late_min minutes after the shift's start).
	AlertLate = "late"
)

// Alert is a live alert of the floor or a team. The same alert (kind, agent, since) stays in
// the list while it holds: a client raises it once.
type Alert struct {
	Kind    string    `json:"kind"`
	Agent   string    `json:"agent"`
	Name    string    `json:"name,omitempty"`
	Team    string    `json:"team,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Since   time.Time `json:"since"` // the pause began; not_yet_in: logged out since; late: work began
	MaxS    int       `json:"max_s,omitempty"`
	Shift   string    `json:"shift,omitempty"`    // not_yet_in, late: the rostered shift's code
	LateMin int       `json:"late_min,omitempty"` // late: minutes after the shift's start
}

// TeamView is a team's summary: its agents by state and occupancy (the agents in the team now),
// and the figures of the team's calls, today and in the sliding window.
//
// A call belongs to a team through an agent (metrics.md's definitions, per team): an answered
// call to the team of the agent who answered it; a call that ended unanswered (abandoned, flowed
// out, lost) to the team of the last agent whose phone rang for it, since that team had it and
// did not take it; an unanswered call that never rang at any agent to no team at all (it shows in
// its queue's and the floor's figures only: queues are not owned by teams). So a team's Offered
// is the calls that reached it and ended there, counted when their outcome is known, cohort by
// the time they entered the queue (as the queues' counters); the team is the agent's team at that
// moment. Handled, AHT and Missed are the team's agents' own day counters (calls they finished
// today, rings they let ring out).
type TeamView struct {
	Team      string      `json:"team"`
	Agents    AgentCounts `json:"agents"`
	Handled   int64       `json:"handled_today"`
	AHT       *float64    `json:"aht_s"`
	Occupancy *float64    `json:"occupancy"`
	Missed    int64       `json:"missed_offers"`
	Alerts    []Alert     `json:"alerts,omitempty"`
	Today     Figures     `json:"today"`
	Window    Figures     `json:"window"`
	WindowMin int         `json:"window_min"`
}

// FloorView is the whole floor.
type FloorView struct {
	Waiting     int         `json:"waiting"`
	OldestSince *time.Time  `json:"oldest_waiting_since"`
	Agents      AgentCounts `json:"agents"`
	Today       Figures     `json:"today"`
	Window      Figures     `json:"window"`
	WindowMin   int         `json:"window_min"`
	Occupancy   *float64    `json:"occupancy"`
	Alerts      []Alert     `json:"alerts,omitempty"`
}

// CampaignView is one campaign tile (issue 13): the running campaign's live info (CampaignLive,
// refreshed by the dialler) and its day counters (CampaignCounters, cohort: the day the dial was
// placed), with the rates the outbound report computes the same way. Team is set on a team's
// view of the campaign: its figures are then that team's share only (connects, talk, results of
// its agents' dials; dials and drops with no agent are the campaign's) and Teams is empty.
type CampaignView struct {
	CampaignLive
	Team    string                `json:"team,omitempty"`
	Figures CampaignTileFigures   `json:"figures"`
	ByTeam  []CampaignTileFigures `json:"by_team,omitempty"` // each team's share, by team
}

// CampaignTileFigures are a campaign's (or a team's share of its) counters of the day.
type CampaignTileFigures struct {
	Team        string   `json:"team,omitempty"`
	Dials       int64    `json:"dials"`
	Answered    int64    `json:"answered"`
	Connected   int64    `json:"connected"`
	Dropped     int64    `json:"dropped"`
	Conversions int64    `json:"conversions"`
	TalkMinutes float64  `json:"talk_minutes"`
	ConnectRate *float64 `json:"connect_rate"` // connected ÷ dials (接通率)
	DropRate    *float64 `json:"drop_rate"`    // dropped ÷ answered
	DropOver    bool     `json:"drop_over"`    // the drop rate is over the campaign's target
}

func campaignTileFigures(team string, c map[string]int64, dropTarget float64) CampaignTileFigures {
	f := CampaignTileFigures{Team: team, Dials: c[CampDials], Answered: c[CampAnswered], Connected: c[CampConnected],
		Dropped: c[CampDropped], Conversions: c[CampSuccess], TalkMinutes: float64(c[CampTalkMs]) / 60000}
	if r, ok := callfloor.OutboundConnectRate(f.Connected, f.Dials); ok {
		f.ConnectRate = &r
	}
	if r, ok := callfloor.OutboundConnectRate(f.Dropped, f.Answered); ok {
		f.DropRate = &r
		if dropTarget == 0 {
			dropTarget = 0.03
		}
		f.DropOver = r > dropTarget
	}
	return f
}

// campaignView builds a campaign's tile from its live info and counters; team "" is the whole
// campaign with every team's share, else that team's share only.
func campaignView(l CampaignLive, c CampaignFigures, team string) CampaignView {
	v := CampaignView{CampaignLive: l, Team: team}
	if team != "" {
		v.Figures = campaignTileFigures(team, c.Teams[team], l.DropTarget)
		return v
	}
	v.Figures = campaignTileFigures("", c.Total, l.DropTarget)
	teams := map[string]bool{}
	for _, t := range l.Teams {
		teams[t] = true
	}
	for t := range c.Teams {
		teams[t] = true
	}
	for _, t := range sortedKeys(teams) {
		v.ByTeam = append(v.ByTeam, campaignTileFigures(t, c.Teams[t], l.DropTarget))
	}
	return v
}
