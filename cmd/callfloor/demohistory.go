package main

// The demo's past (issue 11): `callfloor demo-data` gives the demo database weeks of history
// before today, so the reports over a week or a month, the heatmap, past daily reports and the
// bulletins' "yesterday" have something to show. The history is gen-history's simulation
// (genhistory.go: intraday curve, two shifts, breaks, lunch, abandons and short abandons, holds,
// transfers, outbound preview dialling with ~35 % connects and dispositions, lighter weekends)
// run on the demo's own floor: its two projects, their queues (the configuration's service
// levels, wrap-ups and maximum waits, the simulator's traffic mix and talk times), teams and 24
// agents. Only the days that have no history are generated (a demo restart adds nothing, and the
// days the live demo ran keep their own rows); every generated day ends before today, so today's
// report stays the wallboard's. The rollups of the range are then rebuilt from the raw rows.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/storage"
)

// demoHistoryWeeks is how far back the demo's history goes by default.
const demoHistoryWeeks = 8

// demoHistoryModel is gen-history's centre made of the demo's projects, queues, teams and agents,
// for the days [from, to] (local midnights) of which generated says which are generated.
func demoHistoryModel(cfg *callfloor.Config, from, to time.Time, generated func(time.Time) bool) *genModel {
	seed := uint64(42)
	traffic := map[string]callfloor.TrafficConfig{}
	if cfg.Sim != nil {
		seed = uint64(cfg.Sim.Seed)
		for _, t := range cfg.Sim.Traffic {
			traffic[t.Queue] = t
		}
	}
	m := &genModel{o: genOpts{from: from, to: to, loc: cfg.Location(), seed: seed, workers: 2, dialsPer: 8000,
		generated: generated, noRecordings: true, occupancy: 0.55}} // two teams of 12: a 300-seat centre's 68 % would queue
	queues := map[string]callfloor.Queue{}
	for _, q := range cfg.Queues {
		queues[q.Name] = q
	}
	for _, dp := range demoProjects {
		p := &genProject{id: dp.id, name: dp.name, outbound: dp.outbound, did: dp.did}
		if !dp.outbound {
			var total float64
			for _, name := range dp.queues {
				q, ok := queues[name]
				if !ok {
					continue
				}
				gq := &genQueue{name: name, priority: q.Priority, share: 1, talkMedS: 150, wrapMs: q.WrapUp.Milliseconds(),
					maxWait: q.MaxWait.Milliseconds(), slMs: q.ServiceLevel.Milliseconds()}
				if gq.slMs == 0 {
					gq.slMs = 20000
				}
				if t, ok := traffic[name]; ok && t.CallsPerMinute > 0 {
					gq.share = t.CallsPerMinute
					if t.TalkMax > 0 {
						gq.talkMedS = math.Max(10, (t.TalkMin+t.TalkMax).Seconds()/2)
					}
				}
				total += gq.share
				p.queues = append(p.queues, gq)
			}
			for _, q := range p.queues {
				q.share /= total
			}
			if len(p.queues) == 0 {
				continue
			}
		}
		inTeam := map[string]bool{}
		for _, t := range dp.teams {
			inTeam[t] = true
			m.teams = append(m.teams, [3]string{t, t, dp.id})
		}
		k := 0
		for _, a := range cfg.Agents {
			if !inTeam[a.Team] {
				continue
			}
			// half on the early shift, half on the late one; two in three off at weekends,
			// the others off two weekdays in a row (so weekends are staffed, lighter)
			ga := &genAgent{idx: len(m.agents), id: a.ID, name: a.Name, team: a.Team, proj: p,
				late: k%2 == 1, weekends: k%3 != 2, offDay: 1 + (k/3)%4}
			p.agents = append(p.agents, ga)
			m.agents = append(m.agents, ga)
			k++
		}
		if len(p.agents) > 0 {
			m.projects = append(m.projects, p)
		}
	}
	return m
}

// demoHistoryResult says what seedDemoHistory wrote.
type demoHistoryResult struct {
	Days                           []time.Time // the days generated
	Calls, Intervals, Dispositions int64
	Buckets                        int // rollup buckets rebuilt
	DailyReports                   int // daily reports sent by the team leads
	From, To                       time.Time
	SkippedDays                    int // days of the range that had history already
}

// seedDemoHistory generates the demo's history of the weeks before now's day (the days that have
// none) and rebuilds their rollups.
func seedDemoHistory(ctx context.Context, db *storage.DB, cfg *callfloor.Config, weeks int, now time.Time) (*demoHistoryResult, error) {
	if weeks < 0 || weeks > 104 {
		return nil, fmt.Errorf("demo history: history-weeks must be in 0..104, got %d", weeks)
	}
	res := &demoHistoryResult{}
	if weeks == 0 {
		return res, nil
	}
	loc := cfg.Location()
	l := now.In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	to := today.AddDate(0, 0, -1)
	from := today.AddDate(0, 0, -7*weeks)
	res.From, res.To = from, today
	// every month the rows touch (a day's calls may end past midnight)
	if err := db.EnsurePartitions(ctx, from.AddDate(0, 0, -1), today.AddDate(0, 0, 1)); err != nil {
		return nil, err
	}
	// the days that have history already: calls, sessions or agent state time (logged out
	// aside) in them
	rows, err := db.Pool.Query(ctx, `
		SELECT DISTINCT to_char(x AT TIME ZONE $3, 'YYYY-MM-DD') FROM (
		  SELECT entered_at AS x FROM calls WHERE entered_at >= $1 AND entered_at < $2
		  UNION ALL SELECT login_at FROM agent_sessions WHERE login_at >= $1 AND login_at < $2
		  UNION ALL SELECT greatest(started_at, $1) FROM agent_state_intervals
		    WHERE state <> 'logged_out' AND started_at < $2 AND ended_at > $1
		  UNION ALL SELECT least(ended_at, $2 - interval '1 microsecond') FROM agent_state_intervals
		    WHERE state <> 'logged_out' AND started_at < $2 AND ended_at > $1) t`, from, today, loc.String())
	if err != nil {
		return nil, fmt.Errorf("demo history: %w", err)
	}
	has := map[string]bool{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return nil, err
		}
		has[d] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("demo history: %w", err)
	}
	// an interval spanning several days (a demo stopped with its agents logged in) covers the
	// days between its two ends too
	if err := func() error {
		rows, err := db.Pool.Query(ctx, `SELECT greatest(started_at, $1), least(ended_at, $2) FROM agent_state_intervals
			WHERE state <> 'logged_out' AND started_at < $2 AND ended_at > $1 AND ended_at - started_at > interval '1 day'`, from, today)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, b time.Time
			if err := rows.Scan(&a, &b); err != nil {
				return err
			}
			for d := a.In(loc); d.Before(b); d = d.AddDate(0, 0, 1) {
				has[d.Format(time.DateOnly)] = true
			}
		}
		return rows.Err()
	}(); err != nil {
		return nil, fmt.Errorf("demo history: %w", err)
	}
	gen := map[string]bool{}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if has[d.Format(time.DateOnly)] {
			res.SkippedDays++
			continue
		}
		gen[d.Format(time.DateOnly)] = true
		res.Days = append(res.Days, d)
	}
	if len(res.Days) == 0 {
		return res, nil
	}
	m := demoHistoryModel(cfg, from, to, func(d time.Time) bool { return gen[d.In(loc).Format(time.DateOnly)] })
	if len(m.projects) == 0 { // a configuration without the demo's queues and teams
		res.Days = nil
		return res, nil
	}
	n, err := writeGenDays(ctx, db, m, res.Days, m.o.workers, io.Discard)
	if err != nil {
		return nil, fmt.Errorf("demo history: %w", err)
	}
	res.Calls, res.Intervals, res.Dispositions = n.calls, n.intervals, n.dispositions
	first, last := res.Days[0], res.Days[len(res.Days)-1].AddDate(0, 0, 1)
	if res.Buckets, err = db.RebuildRollups(ctx, first, last); err != nil {
		return nil, fmt.Errorf("demo history: %w", err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE calls; ANALYZE offers; ANALYZE agent_state_intervals; ANALYZE agent_sessions`); err != nil {
		return nil, err
	}
	if res.DailyReports, err = seedDemoDailyReports(ctx, db, cfg, res.Days); err != nil {
		return nil, err
	}
	return res, nil
}

// demoDailyNotes are the notes the demo's team leads wrote on their daily reports.
var demoDailyNotes = []string{
	"上午名单质量差，接通率偏低；下午换了新名单。 / Poor list in the morning, connect rate low; new list after lunch.",
	"两名坐席上午参加产品培训。 / Two agents on product training in the morning.",
	"午饭后话务高峰，已安排错峰用餐。 / Peak after lunch: lunches staggered from tomorrow.",
	"一名新坐席上岗，平均处理时长偏高。 / A new agent started: AHT high while they learn.",
	"全天达标，感谢大家。 / All targets met, thanks everyone.",
}

// seedDemoDailyReports has each team lead of the demo send the daily report (日报) of their team
// for the last working days of days (at most five), through the API as the lead would (the
// report engine's figures, the off-target figures, a note). Reports already sent are left.
func seedDemoDailyReports(ctx context.Context, db *storage.DB, cfg *callfloor.Config, days []time.Time) (int, error) {
	var leads []storage.NewUser
	for _, u := range demoUsers {
		if u.Role == callfloor.RoleTeamLead && u.TeamID != "" {
			leads = append(leads, u)
		}
	}
	if len(leads) == 0 || len(days) == 0 {
		return 0, nil
	}
	api := &dashboards.API{DB: db, Auth: &dashboards.Auth{DB: db, TimeZone: cfg.TimeZone}, Base: cfg}
	mux := http.NewServeMux()
	api.Register(mux)
	sent := 0
	for _, lead := range leads {
		u, err := db.GetUserByUsername(ctx, lead.Username)
		if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
			continue
		} else if err != nil {
			return sent, err
		}
		tok, id, err := db.CreateAPIToken(ctx, u.ID, "demo daily reports")
		if err != nil {
			return sent, err
		}
		n := 0
		for i := len(days) - 1; i >= 0 && n < 5; i-- {
			d := days[i]
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			n++
			body, _ := json.Marshal(map[string]string{"day": d.Format(time.DateOnly), "note": demoDailyNotes[(d.YearDay())%len(demoDailyNotes)]})
			req := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/reports/daily", strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			switch w.Code {
			case http.StatusCreated, http.StatusOK:
				sent++
			case http.StatusConflict: // sent already
			default:
				_ = db.RevokeAPIToken(ctx, id)
				return sent, fmt.Errorf("demo daily report of %s for %s: %d %s", lead.Username, d.Format(time.DateOnly), w.Code, w.Body.String())
			}
		}
		if err := db.RevokeAPIToken(ctx, id); err != nil {
			return sent, err
		}
	}
	return sent, nil
}
