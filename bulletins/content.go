package bulletins

import (
	"context"
	"fmt"
	"html"
	"sort"
	"strings"
	"time"

	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// Live is what the bulletins read of the live floor: realtime.KPI, the same views the wallboard
// shows.
type Live interface {
	Floor(ctx context.Context, now time.Time) (realtime.FloorView, error)
	Queues(ctx context.Context, names []string, now time.Time) ([]realtime.QueueView, error)
	Teams(ctx context.Context, now time.Time) ([]realtime.TeamView, error)
}

// Figures are a period's figures from history (yesterday at the same time, and today's
// outbound, which the live KPI does not count).
type Figures struct {
	Offered      int64
	Answered     int64
	Abandoned    int64 // not counting short abandons
	ServiceLevel *float64
	AbandonRate  *float64
	AHT          *float64 // seconds
	Dials        int64
	Connects     int64
	TalkMinutes  float64
}

// Source gives a period's figures from history, for a project (nil: the whole floor), and the
// teams' outbound figures to rank them. ReportSource (source.go) is the report engine's.
type Source interface {
	Figures(ctx context.Context, project *string, from, to time.Time) (Figures, error)
	OutboundTeams(ctx context.Context, project *string, from, to time.Time) ([]TeamOutbound, error)
}

// CampaignSource is a Source that also reads the outbound campaigns' figures of a period (the
// outbound report's: ReportSource); the bulletin's campaign block comes from it.
type CampaignSource interface {
	Campaigns(ctx context.Context, project *string, from, to time.Time) (*storage.OutboundSummary, error)
}

// TeamOutbound is a team's outbound dialling in a period.
type TeamOutbound struct {
	Team            string
	Dials, Connects int64
}

// Target is the figures a project's (or the floor's) bulletin is measured against.
type Target struct {
	ServiceLevel     *float64
	AHT              *float64
	ConnectRate      *float64
	DailyDials       *int64
	DailyTalkMinutes *int64
}

// Bulletin is a bulletin's data before it is rendered.
type Bulletin struct {
	At        time.Time
	Project   *string
	Today     Figures // live KPI (inbound) + history (outbound)
	Yesterday Figures // history, yesterday from midnight to the same time
	Target    Target
	BestTeam  *TeamFigure // by today's service level (the live KPI)
	WorstTeam *TeamFigure
	// teams that dialled today, by connect rate (connects ÷ dials), then dials
	BestOutboundTeam  *OutboundFigure
	WorstOutboundTeam *OutboundFigure
	// the day's outbound campaigns (dials, connects, 接通率 with its denominator, talk,
	// conversions, drop rate) against their day's targets; nil when the scope ran none today
	Campaigns  *storage.OutboundSummary
	OpenAlarms []AlertInfo
}

// TeamFigure is a team ranked by service level.
type TeamFigure struct {
	Team         string
	ServiceLevel float64
}

// OutboundFigure is a team ranked by today's connect rate.
type OutboundFigure struct {
	Team        string
	Dials       int64
	ConnectRate float64
}

// text is the bulletins' sentences in en and zh-CN.
var text = map[string]map[string]string{
	"en": {
		"title": "Production bulletin %s", "floor": "whole floor", "project": "project %s",
		"offered": "Offered", "answered": "Answered", "sl": "Service level", "abandon": "Abandon rate", "aht": "AHT",
		"dials": "Outbound dials", "connects": "Connects", "connect_rate": "Connect rate", "talk": "Outbound talk minutes",
		"yesterday": "yesterday %s", "target": "target %s", "best": "Best team", "worst": "Worst team",
		"best_out": "Best outbound team", "worst_out": "Outbound team to improve", "team_out": "connect rate %s, %d dials",
		"alarms": "Open alarms", "no_alarms": "none", "test": "Test message from callfloor",
		"camp": "Outbound campaigns today", "c_dials": "Dials", "c_connected": "Connected", "c_rate": "Connect rate",
		"c_rate_of": "%d connected ÷ %d dials", "c_talk": "Talk minutes", "c_conv": "Conversions", "c_conv_of": "%s of connected",
		"c_drop": "Drop rate", "c_drop_of": "%d dropped ÷ %d answered", "c_ceiling": "ceiling %s", "c_over": "OVER",
		"alert_open": "Alarm: %s", "alert_clear": "Cleared: %s", "since": "since %s",
		"k_service_level": "service level %s below target %s", "k_waiting": "%s calls waiting (limit %s)",
		"k_longest_wait": "longest wait %s s (limit %s s)", "k_pause_over_max": "paused %s s, past the reason's maximum %s s",
	},
	"zh-CN": {
		"title": "生产快报 %s", "floor": "全场", "project": "项目 %s",
		"offered": "呼入量", "answered": "接听量", "sl": "服务水平", "abandon": "放弃率", "aht": "平均处理时长",
		"dials": "外呼量", "connects": "接通量", "connect_rate": "接通率", "talk": "外呼通话分钟",
		"yesterday": "昨日同时 %s", "target": "目标 %s", "best": "最佳班组", "worst": "待改进班组",
		"best_out": "外呼最佳班组", "worst_out": "外呼待改进班组", "team_out": "接通率 %s，外呼 %d 通",
		"alarms": "未解除告警", "no_alarms": "无", "test": "callfloor 测试消息",
		"camp": "今日外呼活动", "c_dials": "拨打量", "c_connected": "接通量", "c_rate": "接通率",
		"c_rate_of": "接通 %d ÷ 拨打 %d", "c_talk": "通话分钟", "c_conv": "成交量", "c_conv_of": "占接通 %s",
		"c_drop": "放弃率", "c_drop_of": "放弃 %d ÷ 接听 %d", "c_ceiling": "上限 %s", "c_over": "超标",
		"alert_open": "告警：%s", "alert_clear": "已解除：%s", "since": "开始于 %s",
		"k_service_level": "服务水平 %s 低于目标 %s", "k_waiting": "排队 %s 通（阈值 %s）",
		"k_longest_wait": "最长等待 %s 秒（阈值 %s 秒）", "k_pause_over_max": "暂停 %s 秒，超过原因上限 %s 秒",
	},
}

func tr(lang, key string, args ...any) string {
	m := text[lang]
	if m == nil {
		m = text["zh-CN"]
	}
	return fmt.Sprintf(m[key], args...)
}

func pct(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

func secs(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f s", *v)
}

func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

// Render writes b in lang (en | zh-CN).
func (b Bulletin) Render(lang string, loc *time.Location) Message {
	var sb strings.Builder
	scope := tr(lang, "floor")
	if b.Project != nil {
		scope = tr(lang, "project", *b.Project)
	}
	title := tr(lang, "title", b.At.In(loc).Format("2006-01-02 15:04"))
	fmt.Fprintf(&sb, "**%s**\n", scope)
	line := func(label, today, yday, target string) {
		fmt.Fprintf(&sb, "- %s: **%s** (%s", label, today, tr(lang, "yesterday", yday))
		if target != "" {
			fmt.Fprintf(&sb, ", %s", tr(lang, "target", target))
		}
		sb.WriteString(")\n")
	}
	t, y := b.Today, b.Yesterday
	line(tr(lang, "offered"), fmt.Sprint(t.Offered), fmt.Sprint(y.Offered), "")
	line(tr(lang, "answered"), fmt.Sprint(t.Answered), fmt.Sprint(y.Answered), "")
	line(tr(lang, "sl"), pct(t.ServiceLevel), pct(y.ServiceLevel), optPct(b.Target.ServiceLevel))
	line(tr(lang, "abandon"), pct(t.AbandonRate), pct(y.AbandonRate), "")
	line(tr(lang, "aht"), secs(t.AHT), secs(y.AHT), optSecs(b.Target.AHT))
	if t.Dials > 0 || y.Dials > 0 || b.Target.DailyDials != nil {
		line(tr(lang, "dials"), fmt.Sprint(t.Dials), fmt.Sprint(y.Dials), optInt(b.Target.DailyDials))
		line(tr(lang, "connects"), fmt.Sprint(t.Connects), fmt.Sprint(y.Connects), "")
		line(tr(lang, "connect_rate"), pct(ratio(t.Connects, t.Dials)), pct(ratio(y.Connects, y.Dials)), optPct(b.Target.ConnectRate))
		line(tr(lang, "talk"), fmt.Sprintf("%.0f", t.TalkMinutes), fmt.Sprintf("%.0f", y.TalkMinutes), optInt(b.Target.DailyTalkMinutes))
	}
	if b.BestTeam != nil {
		fmt.Fprintf(&sb, "- %s: **%s** %s\n", tr(lang, "best"), b.BestTeam.Team, pct(&b.BestTeam.ServiceLevel))
	}
	if b.WorstTeam != nil && (b.BestTeam == nil || b.WorstTeam.Team != b.BestTeam.Team) {
		fmt.Fprintf(&sb, "- %s: **%s** %s\n", tr(lang, "worst"), b.WorstTeam.Team, pct(&b.WorstTeam.ServiceLevel))
	}
	outTeam := func(key string, o *OutboundFigure) {
		fmt.Fprintf(&sb, "- %s: **%s** %s", tr(lang, key), o.Team, tr(lang, "team_out", pct(&o.ConnectRate), o.Dials))
		if b.Target.ConnectRate != nil {
			fmt.Fprintf(&sb, " (%s)", tr(lang, "target", pct(b.Target.ConnectRate)))
		}
		sb.WriteString("\n")
	}
	if o := b.BestOutboundTeam; o != nil {
		outTeam("best_out", o)
	}
	if o := b.WorstOutboundTeam; o != nil && (b.BestOutboundTeam == nil || o.Team != b.BestOutboundTeam.Team) {
		outTeam("worst_out", o)
	}
	if c := b.Campaigns; c != nil {
		sb.WriteString(CampaignLines(lang, c))
	}
	fmt.Fprintf(&sb, "\n**%s**: ", tr(lang, "alarms"))
	if len(b.OpenAlarms) == 0 {
		sb.WriteString(tr(lang, "no_alarms") + "\n")
	} else {
		sb.WriteString("\n")
		for _, a := range b.OpenAlarms {
			fmt.Fprintf(&sb, "- %s\n", alertLine(lang, a, loc))
		}
	}
	return Message{Title: title, Markdown: sb.String()}
}

// CampaignLines is the outbound campaigns' block of a bulletin (or a daily report's message):
// dials and connects against the day's targets, the connect rate with its denominator, talk
// minutes, conversions, and the drop rate against its ceiling.
func CampaignLines(lang string, c *storage.OutboundSummary) string {
	var sb strings.Builder
	tg := c.Targets
	if tg == nil {
		tg = &storage.OutboundTargets{}
	}
	fmt.Fprintf(&sb, "\n**%s**\n", tr(lang, "camp"))
	withTarget := func(label string, v int64, target *int64) {
		fmt.Fprintf(&sb, "- %s: **%d**", label, v)
		if target != nil {
			fmt.Fprintf(&sb, " (%s)", tr(lang, "target", fmt.Sprint(*target)))
		}
		sb.WriteString("\n")
	}
	withTarget(tr(lang, "c_dials"), c.Dials, tg.Dials)
	withTarget(tr(lang, "c_connected"), c.Connected, tg.Connects)
	fmt.Fprintf(&sb, "- %s: **%s** (%s)\n", tr(lang, "c_rate"), pct(c.ConnectRate), tr(lang, "c_rate_of", c.Connected, c.Dials))
	fmt.Fprintf(&sb, "- %s: **%.0f**", tr(lang, "c_talk"), c.TalkMinutes)
	if tg.TalkMinutes != nil {
		fmt.Fprintf(&sb, " (%s)", tr(lang, "target", fmt.Sprint(*tg.TalkMinutes)))
	}
	sb.WriteString("\n")
	fmt.Fprintf(&sb, "- %s: **%d** (%s)\n", tr(lang, "c_conv"), c.Conversions, tr(lang, "c_conv_of", pct(c.ConversionRate)))
	fmt.Fprintf(&sb, "- %s: **%s** (%s", tr(lang, "c_drop"), pct(c.DropRate), tr(lang, "c_drop_of", c.Dropped, c.Answered))
	if tg.DropRate != nil {
		fmt.Fprintf(&sb, ", %s", tr(lang, "c_ceiling", pct(tg.DropRate)))
	}
	sb.WriteString(")")
	if c.DropOver {
		fmt.Fprintf(&sb, " **%s**", tr(lang, "c_over"))
	}
	sb.WriteString("\n")
	return sb.String()
}

func optPct(v *float64) string {
	if v == nil {
		return ""
	}
	return pct(v)
}

func optSecs(v *float64) string {
	if v == nil {
		return ""
	}
	return secs(v)
}

func optInt(v *int64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(*v)
}

func num(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") }

// alertLine says what an alarm is about.
func alertLine(lang string, a AlertInfo, loc *time.Location) string {
	var what string
	switch a.Kind {
	case RuleServiceLevel:
		what = tr(lang, "k_service_level", pct(&a.Value), pct(&a.Limit))
	case RuleWaiting:
		what = tr(lang, "k_waiting", num(a.Value), num(a.Limit))
	case RuleLongestWait:
		what = tr(lang, "k_longest_wait", num(a.Value), num(a.Limit))
	case RulePauseOverMax:
		what = tr(lang, "k_pause_over_max", num(a.Value), num(a.Limit))
	}
	return fmt.Sprintf("%s · %s: %s (%s)", a.Rule, a.Subject, what, tr(lang, "since", a.Since.In(loc).Format("15:04")))
}

// AlertMessage renders an alarm opening or clearing.
func AlertMessage(lang string, a AlertInfo, loc *time.Location) Message {
	key := "alert_open"
	if a.Cleared {
		key = "alert_clear"
	}
	return Message{Title: tr(lang, key, a.Rule), Markdown: alertLine(lang, a, loc) + "\n"}
}

// TestMessage is "send a test now".
func TestMessage(lang string, now time.Time, loc *time.Location) Message {
	return Message{Title: tr(lang, "test"), Markdown: tr(lang, "test") + " · " + now.In(loc).Format("2006-01-02 15:04:05") + "\n"}
}

// PlainText is a message for e-mail's text part: the markdown without its emphasis.
func PlainText(m Message) string {
	return m.Title + "\n\n" + strings.ReplaceAll(m.Markdown, "**", "")
}

// HTML is a message for e-mail's HTML part.
func HTML(m Message) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "<h3>%s</h3>\n", html.EscapeString(m.Title))
	inList := false
	for _, l := range strings.Split(m.Markdown, "\n") {
		esc := html.EscapeString(l)
		for strings.Count(esc, "**") >= 2 {
			esc = strings.Replace(esc, "**", "<b>", 1)
			esc = strings.Replace(esc, "**", "</b>", 1)
		}
		if strings.HasPrefix(l, "- ") {
			if !inList {
				sb.WriteString("<ul>\n")
				inList = true
			}
			fmt.Fprintf(&sb, "<li>%s</li>\n", esc[2:])
			continue
		}
		if inList {
			sb.WriteString("</ul>\n")
			inList = false
		}
		if l != "" {
			fmt.Fprintf(&sb, "<p>%s</p>\n", esc)
		}
	}
	if inList {
		sb.WriteString("</ul>\n")
	}
	return sb.String()
}

// rankTeams picks the best and worst teams by today's service level (teams with no figure
// left out).
func rankTeams(teams []realtime.TeamView, keep func(string) bool) (best, worst *TeamFigure) {
	var ts []TeamFigure
	for _, t := range teams {
		if t.Today.ServiceLevel == nil || (keep != nil && !keep(t.Team)) {
			continue
		}
		ts = append(ts, TeamFigure{t.Team, *t.Today.ServiceLevel})
	}
	if len(ts) == 0 {
		return nil, nil
	}
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].ServiceLevel != ts[j].ServiceLevel {
			return ts[i].ServiceLevel > ts[j].ServiceLevel
		}
		return ts[i].Team < ts[j].Team
	})
	return &ts[0], &ts[len(ts)-1]
}

// rankOutbound picks the best and worst of the teams that dialled by connect rate (more dials
// first among equals).
func rankOutbound(teams []TeamOutbound) (best, worst *OutboundFigure) {
	var ts []OutboundFigure
	for _, t := range teams {
		if t.Dials > 0 {
			ts = append(ts, OutboundFigure{Team: t.Team, Dials: t.Dials, ConnectRate: float64(t.Connects) / float64(t.Dials)})
		}
	}
	if len(ts) == 0 {
		return nil, nil
	}
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].ConnectRate != ts[j].ConnectRate {
			return ts[i].ConnectRate > ts[j].ConnectRate
		}
		if ts[i].Dials != ts[j].Dials {
			return ts[i].Dials > ts[j].Dials
		}
		return ts[i].Team < ts[j].Team
	})
	return &ts[0], &ts[len(ts)-1]
}
