package bulletins_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/bulletins"
	"github.com/callfloor/callfloor/realtime"
)

// A project's bulletin: today from the live KPI (its queues only), yesterday until the same
// time from the history (later calls and other projects' calls left out, service level with the
// queue's own T), outbound from the history by the agents' teams, against the project's
// targets, best and worst of the project's teams.
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
}
