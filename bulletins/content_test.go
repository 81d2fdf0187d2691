package bulletins_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/bulletins"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// A project's bulletin: today from the live KPI (its queues only), yesterday until the same
// time from the history (later calls and other projects' calls left out, service level with the
// queue's own T), outbound from the history by the agents' teams, against the project's
// targets, best and worst of the project's teams; all from the report engine.
func TestBulletinContentYesterdayAndTargets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pool := e.db.Pool
	for _, q := range []string{
		`INSERT INTO projects (id, name) VALUES ('p1', 'Telesales')`,
		`INSERT INTO queues (name, settings, project_id) VALUES ('sales', '{"service_level": 20000000000}', 'p1'), ('other', '{}', 'default')`,
		`INSERT INTO teams (id, name, project_id) VALUES ('red', 'Red', 'p1'), ('blue', 'Blue', 'p1'), ('green', 'Green', 'default')`,
		`INSERT INTO agents (id, endpoint, team_id) VALUES ('a1', 'PJSIP/a1', 'red'), ('g1', 'PJSIP/g1', 'green')`,
		`INSERT INTO targets (scope_kind, scope_id, service_level, aht_s, connect_rate, daily_dials, daily_talk_minutes) VALUES ('project', 'p1', 0.85, 180, 0.4, 8000, 18000)`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, shanghai)
	y := func(h, m int) time.Time { return time.Date(2026, 12, 3, h, m, 0, 0, shanghai) }
	call := func(id, dir, queue, agent string, at time.Time, waitS int, answered bool, outcome string, talkMS int) {
		t.Helper()
		var ans any
		if answered {
			ans = at.Add(time.Duration(waitS) * time.Second)
		}
		var q, a any
		if queue != "" {
			q = queue
		}
		if agent != "" {
			a = agent
		}
		if _, err := pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, agent_id, entered_at, answered_at, ended_at, wait_ms, talk_ms, hold_ms, wrap_ms, outcome, last_event_id)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,0,10000,$10,'0-1')`, id, dir, q, a, at, ans, at.Add(5*time.Minute), waitS*1000, talkMS, outcome); err != nil {
			t.Fatal(err)
		}
	}
	call("c1", "inbound", "sales", "a1", y(8, 0), 5, true, "answered", 170000)
	call("c2", "inbound", "sales", "a1", y(8, 30), 30, true, "answered", 170000) // past T (20 s)
	call("c3", "inbound", "sales", "a1", y(9, 0), 10, true, "answered", 170000)
	call("c4", "inbound", "sales", "", y(9, 30), 60, false, "abandoned", 0)
	call("c5", "inbound", "sales", "", y(9, 40), 2, false, "short_abandon", 0)
	call("c6", "inbound", "sales", "a1", y(11, 0), 5, true, "answered", 170000) // after the same time
	call("c7", "inbound", "other", "g1", y(9, 0), 5, true, "answered", 170000)  // another project
	call("o1", "outbound", "", "a1", y(9, 10), 0, true, "answered", 120000)
	call("o2", "outbound", "", "a1", y(9, 20), 0, false, "no_answer", 0)
	call("o3", "outbound", "", "g1", y(9, 20), 0, true, "answered", 60000)             // another project's agent
	call("o4", "outbound", "", "a1", now.Add(-time.Hour), 0, true, "answered", 300000) // today

	// the history writer keeps the rollups the report engine reads
	if _, err := e.db.RebuildRollups(ctx, y(0, 0), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	e.live.queues = []realtime.QueueView{{Queue: "sales", Today: realtime.Figures{Offered: 40, Answered: 36, Abandoned: 4, ShortAbandoned: 1, AnsweredWithinT: 33, Handled: 35, AHT: fp(200)}}}
	e.live.teams = append(e.live.teams, realtime.TeamView{Team: "green", Today: realtime.Figures{ServiceLevel: fp(0.99)}})
	s := &bulletins.Service{Pool: pool, Live: e.live, Loc: func() *time.Location { return shanghai }}
	p1 := "p1"
	b, err := s.Compose(ctx, &p1, now)
	if err != nil {
		t.Fatal(err)
	}
	yd := b.Yesterday
	if yd.Offered != 5 || yd.Answered != 3 || yd.Abandoned != 1 || yd.ServiceLevel == nil || *yd.ServiceLevel != 0.5 || yd.Dials != 2 || yd.Connects != 1 || yd.TalkMinutes != 2 {
		t.Fatalf("yesterday %+v (SL %v)", yd, yd.ServiceLevel)
	}
	if yd.AbandonRate == nil || *yd.AbandonRate != 0.25 {
		t.Fatalf("yesterday's abandon rate %v, want 1 ÷ (5 − 1 short)", yd.AbandonRate)
	}
	if yd.AHT == nil || *yd.AHT != 180 {
		t.Fatalf("yesterday's AHT %v, want 180 s (170 talk + 10 wrap)", yd.AHT)
	}
	td := b.Today
	if td.Offered != 40 || td.Answered != 36 || td.ServiceLevel == nil || *td.ServiceLevel != 33.0/39 || td.Dials != 1 || td.TalkMinutes != 5 {
		t.Fatalf("today %+v", td)
	}
	if b.BestTeam == nil || b.BestTeam.Team != "red" || b.WorstTeam == nil || b.WorstTeam.Team != "blue" {
		t.Fatalf("teams %+v %+v (green is another project's)", b.BestTeam, b.WorstTeam)
	}
	m := b.Render("en", shanghai)
	for _, want := range []string{
		"Production bulletin 2026-12-04 10:00", "project p1",
		"- Offered: **40** (yesterday 5)",
		"- Service level: **84.6%** (yesterday 50.0%, target 85.0%)",
		"- AHT: **200 s** (yesterday 180 s, target 180 s)",
		"- Outbound dials: **1** (yesterday 2, target 8000)",
		"- Connect rate: **100.0%** (yesterday 50.0%, target 40.0%)",
		"- Best team: **red** 91.0%", "- Worst team: **blue** 62.0%", "**Open alarms**: none",
	} {
		if !strings.Contains(m.Title+"\n"+m.Markdown, want) {
			t.Errorf("bulletin lacks %q:\n%s\n%s", want, m.Title, m.Markdown)
		}
	}
	zh := b.Render("zh-CN", shanghai)
	if !strings.Contains(zh.Markdown, "- 服务水平: **84.6%** (昨日同时 50.0%, 目标 85.0%)") || !strings.Contains(zh.Markdown, "接通率") {
		t.Errorf("Chinese bulletin:\n%s", zh.Markdown)
	}
	// no campaign dialled: no campaign block
	if b.Campaigns != nil || strings.Contains(m.Markdown, "Outbound campaigns today") || strings.Contains(zh.Markdown, "今日外呼活动") {
		t.Errorf("a project with no campaign has a campaign block: %+v\n%s", b.Campaigns, m.Markdown)
	}
}

// A project that runs a campaign: the bulletin's campaign block has the day's dials and connects
// against the campaign's day targets, 接通率 with its denominator, talk minutes, conversions
// and the drop rate against its ceiling, in both languages; another project's campaign and
// yesterday's dials are not counted.
func TestBulletinCampaignBlock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pool := e.db.Pool
	for _, q := range []string{
		`INSERT INTO projects (id, name) VALUES ('cards', '信用卡营销'), ('hot', '热线')`,
		`INSERT INTO teams (id, name, project_id) VALUES ('red', '电销一组', 'cards')`,
		`INSERT INTO agents (id, endpoint, team_id) VALUES ('a1', 'PJSIP/a1', 'red')`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, c := range []struct{ id, project string }{{"renew", "cards"}, {"other", "hot"}} {
		cp := callfloor.NewCampaign(c.id, "活动 "+c.id)
		cp.Project, cp.CallerIDs, cp.DailyDialTarget, cp.DailyConnectTarget, cp.DropTarget = c.project, []string{"02160001234"}, 10, 4, 0.03
		if _, err := e.db.PutCampaign(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 12, 4, 15, 0, 0, 0, shanghai)
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, shanghai)
	dial := func(id, campaign string, at time.Time, agent any, answered bool, outcome string, talkMS int) {
		t.Helper()
		var ans any
		if answered {
			ans = at.Add(8 * time.Second)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO calls (id, direction, agent_id, entered_at, answered_at, ended_at, wait_ms, talk_ms, hold_ms, wrap_ms, outcome, last_event_id, campaign_id, called_number)
			VALUES ($1, 'outbound', $2, $3, $4, $5, 0, $6, 0, 0, $7, '0-1', $8, '+8613800000000')`, id, agent, at, ans, at.Add(3*time.Minute), talkMS, outcome, campaign); err != nil {
			t.Fatal(err)
		}
	}
	dial("d1", "renew", at, "a1", true, "answered", 120000)
	dial("d2", "renew", at.Add(time.Minute), "a1", true, "answered", 60000)
	dial("d3", "renew", at.Add(2*time.Minute), nil, true, "dropped", 0)
	dial("d4", "renew", at.Add(3*time.Minute), nil, false, "no_answer", 0)
	dial("d5", "renew", at.AddDate(0, 0, -1), "a1", true, "answered", 60000) // yesterday
	dial("d6", "other", at, "a1", true, "answered", 60000)                   // another project's campaign
	if _, err := pool.Exec(ctx, `INSERT INTO call_dispositions (call_id, agent_id, code, label, set_by, set_at) VALUES ('d1', 'a1', 'success', '成功', 'a1', $1)`, at.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// put in by hand, not by the history writer: the campaign rollups rebuilt
	if _, err := e.db.RebuildRollups(ctx, at.AddDate(0, 0, -2), now.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	s := &bulletins.Service{Pool: pool, Live: e.live, Loc: func() *time.Location { return shanghai }}
	cards := "cards"
	b, err := s.Compose(ctx, &cards, now)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Campaigns
	if c == nil || c.Dials != 4 || c.Connected != 2 || c.Answered != 3 || c.Dropped != 1 || c.Conversions != 1 || c.TalkMinutes != 3 || !c.DropOver {
		t.Fatalf("campaigns %+v", c)
	}
	for lang, want := range map[string][]string{
		"en": {"**Outbound campaigns today**", "- Dials: **4** (target 10)", "- Connected: **2** (target 4)",
			"- Connect rate: **50.0%** (2 connected ÷ 4 dials)", "- Talk minutes: **3**", "- Conversions: **1** (50.0% of connected)",
			"- Drop rate: **33.3%** (1 dropped ÷ 3 answered, ceiling 3.0%) **OVER**"},
		"zh-CN": {"**今日外呼活动**", "- 拨打量: **4** (目标 10)", "- 接通量: **2** (目标 4)", "- 接通率: **50.0%** (接通 2 ÷ 拨打 4)",
			"- 通话分钟: **3**", "- 成交量: **1** (占接通 50.0%)", "- 放弃率: **33.3%** (放弃 1 ÷ 接听 3, 上限 3.0%) **超标**"},
	} {
		m := b.Render(lang, shanghai)
		for _, w := range want {
			if !strings.Contains(m.Markdown, w) {
				t.Errorf("%s bulletin lacks %q:\n%s", lang, w, m.Markdown)
			}
		}
	}
}

// The bulletins' history figures are the report engine's: yesterday until the same time (a call
// a second before is in, one at the same time is not) equals the production report of the same
// range, for a project and for the floor; an outbound project's bulletin names its best and
// worst teams by today's connect rate, though no team of it has a service level.
func TestBulletinFiguresAreTheReportEngines(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pool := e.db.Pool
	for _, q := range []string{
		`INSERT INTO projects (id, name) VALUES ('cards', 'Card sales'), ('hot', 'Hotline')`,
		`INSERT INTO queues (name, settings, project_id) VALUES ('support', '{"service_level": 30000000000}', 'hot')`,
		`INSERT INTO teams (id, name, project_id) VALUES ('ta', 'A', 'cards'), ('tb', 'B', 'cards'), ('tc', 'C', 'cards'), ('th', 'H', 'hot')`,
		`INSERT INTO agents (id, endpoint, team_id) VALUES ('a1', 'PJSIP/a1', 'ta'), ('b1', 'PJSIP/b1', 'tb'), ('c1', 'PJSIP/c1', 'tc'), ('h1', 'PJSIP/h1', 'th')`,
		`INSERT INTO targets (scope_kind, scope_id, connect_rate, daily_dials) VALUES ('project', 'cards', 0.35, 8000)`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Date(2026, 12, 4, 15, 0, 0, 0, shanghai)
	midnight := time.Date(2026, 12, 4, 0, 0, 0, 0, shanghai)
	yNow := now.AddDate(0, 0, -1)
	n := 0
	call := func(dir, queue, agent string, at time.Time, waitS int, outcome string, talkS int) {
		t.Helper()
		n++
		var ans, q any
		if outcome == "answered" {
			ans = at.Add(time.Duration(waitS) * time.Second)
		}
		if queue != "" {
			q = queue
		}
		if _, err := pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, agent_id, entered_at, answered_at, ended_at, wait_ms, talk_ms, hold_ms, wrap_ms, outcome, called_number, last_event_id)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,5000,15000,$10,$11,'0-1')`, fmt.Sprint("c", n), dir, q, agent, at, ans, at.Add(10*time.Minute),
			waitS*1000, talkS*1000, outcome, fmt.Sprint("555", n)); err != nil {
			t.Fatal(err)
		}
	}
	// yesterday: inbound of the hotline, outbound of the card sales teams; the last second
	// before the same time is in, the same time is not
	for i := range 20 {
		at := yNow.Add(-time.Duration(i*23+1) * time.Minute)
		switch i % 4 {
		case 0:
			call("inbound", "support", "", at, 50+i, "abandoned", 0)
		case 1:
			call("inbound", "support", "h1", at, 5+i*2, "answered", 100+i)
		case 2:
			call("outbound", "", []string{"a1", "b1", "c1"}[i%3], at, 0, "no_answer", 0)
		default:
			call("outbound", "", []string{"a1", "b1", "c1"}[i%3], at, 0, "answered", 200+i)
		}
	}
	call("inbound", "support", "", yNow.Add(-time.Second), 2, "short_abandon", 0)
	call("inbound", "support", "h1", yNow, 3, "answered", 90)
	call("outbound", "", "a1", yNow, 0, "answered", 90)
	// today's dialling: A connects 2 of 4, B 1 of 4, C 3 of 4
	for i, team := range []string{"a1", "b1", "c1"} {
		for k := range 4 {
			outcome := "no_answer"
			if k < []int{2, 1, 3}[i] {
				outcome = "answered"
			}
			call("outbound", "", team, midnight.Add(time.Duration(9*60+i*30+k*7)*time.Minute), 0, outcome, 60)
		}
	}
	if _, err := e.db.RebuildRollups(ctx, yNow.AddDate(0, 0, -1), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	src := bulletins.ReportSource{DB: e.db, Loc: func() *time.Location { return shanghai }}
	yMidnight := midnight.AddDate(0, 0, -1)
	for _, project := range []*string{nil, ptr("hot"), ptr("cards")} {
		got, err := src.Figures(ctx, project, yMidnight, yNow)
		if err != nil {
			t.Fatal(err)
		}
		f := storage.ProductionFilter{From: yMidnight, To: yNow, Loc: shanghai, Interval: storage.IntervalRange, Source: storage.SourceRaw}
		if project != nil {
			f.Projects = []string{*project}
		}
		f.Direction = "inbound"
		in, err := e.db.ProductionReport(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		f.Direction = "outbound"
		out, err := e.db.ProductionReport(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		fi, fo := in.Totals.Figures(), out.Totals.Figures()
		want := bulletins.Figures{Offered: fi.Offered, Answered: fi.Answered, Abandoned: fi.Abandoned - fi.ShortAbandoned,
			ServiceLevel: fi.ServiceLevel, AbandonRate: fi.AbandonRate, AHT: fi.AHT,
			Dials: fo.OutboundDials, Connects: fo.OutboundConnects, TalkMinutes: fo.OutboundTalkMinutes}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("project %v: bulletin's yesterday %+v, the report's %+v", project, got, want)
		}
		if project == nil && (got.Offered != 11 || got.Dials != 10 || got.Connects != 5) {
			t.Errorf("the floor's yesterday until the same time: %+v; want 11 offered, 10 dials, 5 connects", got)
		}
	}
	e.live.teams = []realtime.TeamView{{Team: "th", Today: realtime.Figures{ServiceLevel: fp(0.9)}}}
	s := &bulletins.Service{Pool: pool, Live: e.live, Loc: func() *time.Location { return shanghai }}
	b, err := s.Compose(ctx, ptr("cards"), now)
	if err != nil {
		t.Fatal(err)
	}
	if b.BestTeam != nil || b.BestOutboundTeam == nil || b.BestOutboundTeam.Team != "tc" || b.WorstOutboundTeam == nil || b.WorstOutboundTeam.Team != "tb" {
		t.Fatalf("best %+v, outbound best %+v, worst %+v; want tc and tb", b.BestTeam, b.BestOutboundTeam, b.WorstOutboundTeam)
	}
	if b.Today.Dials != 12 || b.Today.Connects != 6 || b.Yesterday.Dials != 10 {
		t.Errorf("today %+v, yesterday %+v", b.Today, b.Yesterday)
	}
	m := b.Render("en", shanghai)
	for _, want := range []string{"- Best outbound team: **tc** connect rate 75.0%, 4 dials (target 35.0%)", "- Outbound team to improve: **tb** connect rate 25.0%, 4 dials (target 35.0%)"} {
		if !strings.Contains(m.Markdown, want) {
			t.Errorf("bulletin lacks %q:\n%s", want, m.Markdown)
		}
	}
	zh := b.Render("zh-CN", shanghai)
	if !strings.Contains(zh.Markdown, "- 外呼最佳班组: **tc** 接通率 75.0%，外呼 4 通 (目标 35.0%)") || !strings.Contains(zh.Markdown, "- 外呼待改进班组: **tb**") {
		t.Errorf("Chinese bulletin:\n%s", zh.Markdown)
	}
	// the hotline's bulletin ranks no outbound team
	if b, err = s.Compose(ctx, ptr("hot"), now); err != nil || b.BestOutboundTeam != nil || b.BestTeam == nil || b.BestTeam.Team != "th" {
		t.Fatalf("hotline: %v, best %+v, outbound %+v", err, b.BestTeam, b.BestOutboundTeam)
	}
}

func ptr(s string) *string { return &s }
