package bulletins

import (
	"context"
	"encoding/json"
	"time"

	"github.com/callfloor/callfloor/realtime"
	"github.com/jackc/pgx/v5"
)

// projectQueues are a project's queues (nil project: nil, every queue).
func (s *Service) projectQueues(ctx context.Context, project *string) ([]string, error) {
	if project == nil {
		return nil, nil
	}
	rows, err := s.Pool.Query(ctx, `SELECT name FROM queues WHERE project_id = $1 ORDER BY name`, *project)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if names == nil {
		names = []string{}
	}
	return names, err
}

// projectTeams maps each team to its project.
func (s *Service) teamProjects(ctx context.Context) (map[string]string, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id, project_id FROM teams`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var t, p string
		if err := rows.Scan(&t, &p); err != nil {
			return nil, err
		}
		out[t] = p
	}
	return out, rows.Err()
}

// target reads the targets of a queue (its own, else its project's) or a project.
func (s *Service) target(ctx context.Context, kind, id string) (Target, bool, error) {
	var t Target
	var sl, aht, cr *float32
	var dials, talk *int32
	err := s.Pool.QueryRow(ctx, `SELECT service_level, aht_s, connect_rate, daily_dials, daily_talk_minutes FROM targets WHERE scope_kind=$1 AND scope_id=$2`, kind, id).
		Scan(&sl, &aht, &cr, &dials, &talk)
	if err == pgx.ErrNoRows {
		return t, false, nil
	}
	if err != nil {
		return t, false, err
	}
	f := func(v *float32) *float64 {
		if v == nil {
			return nil
		}
		x := float64(*v)
		return &x
	}
	i := func(v *int32) *int64 {
		if v == nil {
			return nil
		}
		x := int64(*v)
		return &x
	}
	return Target{ServiceLevel: f(sl), AHT: f(aht), ConnectRate: f(cr), DailyDials: i(dials), DailyTalkMinutes: i(talk)}, true, nil
}

// queueSLTarget: the targets table's service level for the queue, else its project's, else the
// queue's own sl_target (0: none).
func (s *Service) queueSLTarget(ctx context.Context, q realtime.QueueView) (float64, error) {
	if t, ok, err := s.target(ctx, "queue", q.Queue); err != nil {
		return 0, err
	} else if ok && t.ServiceLevel != nil {
		return *t.ServiceLevel, nil
	}
	var project string
	if err := s.Pool.QueryRow(ctx, `SELECT project_id FROM queues WHERE name=$1`, q.Queue).Scan(&project); err == nil {
		if t, ok, err := s.target(ctx, "project", project); err != nil {
			return 0, err
		} else if ok && t.ServiceLevel != nil {
			return *t.ServiceLevel, nil
		}
	}
	return q.Thresholds.SLTarget, nil
}

type breach struct{ value, limit float64 }

// breaches are a rule's subjects over their limit now.
func (s *Service) breaches(ctx context.Context, r AlertRule, now time.Time, queues []realtime.QueueView, floor *realtime.FloorView, teamProject map[string]string) (map[string]breach, error) {
	out := map[string]breach{}
	inScope := func(q string) bool {
		if r.Queue != nil && *r.Queue != q {
			return false
		}
		return true
	}
	var projQueues map[string]bool
	if r.ProjectID != nil {
		names, err := s.projectQueues(ctx, r.ProjectID)
		if err != nil {
			return nil, err
		}
		projQueues = map[string]bool{}
		for _, n := range names {
			projQueues[n] = true
		}
	}
	th := 0.0
	if r.Threshold != nil {
		th = *r.Threshold
	}
	for _, q := range queues {
		if !inScope(q.Queue) || (projQueues != nil && !projQueues[q.Queue]) {
			continue
		}
		switch r.Kind {
		case RuleServiceLevel:
			lim := th
			if r.Threshold == nil {
				var err error
				if lim, err = s.queueSLTarget(ctx, q); err != nil {
					return nil, err
				}
			}
			if lim > 0 && q.Window.ServiceLevel != nil && *q.Window.ServiceLevel < lim {
				out["queue:"+q.Queue] = breach{*q.Window.ServiceLevel, lim}
			}
		case RuleWaiting:
			if th > 0 && float64(q.Waiting) >= th {
				out["queue:"+q.Queue] = breach{float64(q.Waiting), th}
			}
		case RuleLongestWait:
			if th > 0 && q.OldestSince != nil {
				if w := now.Sub(*q.OldestSince).Seconds(); w >= th {
					out["queue:"+q.Queue] = breach{float64(int(w)), th}
				}
			}
		}
	}
	if r.Kind == RulePauseOverMax && floor != nil {
		for _, a := range floor.Alerts {
			if a.Kind != "pause_over_max" {
				continue
			}
			if r.ProjectID != nil && teamProject[a.Team] != *r.ProjectID {
				continue
			}
			name := a.Agent
			if a.Name != "" {
				name = a.Agent + " " + a.Name
			}
			out["agent:"+name] = breach{float64(int(now.Sub(a.Since).Seconds())), float64(a.MaxS)}
		}
	}
	return out, nil
}

// alertLock serialises alert evaluation across instances (pg_advisory_xact_lock key).
const alertLock = 0x6275_6c6c // "bull"

func (s *Service) tickAlerts(ctx context.Context, now time.Time) error {
	rules, err := s.Store().AlertRules(ctx)
	if err != nil {
		return err
	}
	var enabled []AlertRule
	needFloor := false
	for _, r := range rules {
		if r.Enabled {
			enabled = append(enabled, r)
			needFloor = needFloor || r.Kind == RulePauseOverMax
		}
	}
	if len(enabled) == 0 || s.Live == nil {
		return nil
	}
	queues, err := s.Live.Queues(ctx, nil, now)
	if err != nil {
		return err
	}
	var floor *realtime.FloorView
	teamProject := map[string]string{}
	if needFloor {
		f, err := s.Live.Floor(ctx, now)
		if err != nil {
			return err
		}
		floor = &f
		if teamProject, err = s.teamProjects(ctx); err != nil {
			return err
		}
	}
	for _, r := range enabled {
		br, err := s.breaches(ctx, r, now, queues, floor, teamProject)
		if err != nil {
			return err
		}
		if err := s.applyRule(ctx, r, br, now); err != nil {
			return err
		}
	}
	return nil
}

// applyRule moves a rule's state on: a breach seen for the first time starts its clock; one
// that has lasted for_minutes opens the alarm (one message per destination); an open alarm whose
// breach is gone clears (one message each) and is forgotten.
func (s *Service) applyRule(ctx context.Context, r AlertRule, br map[string]breach, now time.Time) error {
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, alertLock, int32(r.ID)); err != nil {
			return err
		}
		type state struct {
			since  time.Time
			opened *time.Time
			value  *float32
			lim    *float32
		}
		rows, err := tx.Query(ctx, `SELECT subject, since, opened_at, value, lim FROM bulletin_alert_state WHERE rule_id=$1`, r.ID)
		if err != nil {
			return err
		}
		states := map[string]state{}
		for rows.Next() {
			var subj string
			var st state
			if err := rows.Scan(&subj, &st.since, &st.opened, &st.value, &st.lim); err != nil {
				rows.Close()
				return err
			}
			states[subj] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		send := func(kind string, info AlertInfo) error {
			raw, _ := json.Marshal(info)
			for _, d := range r.DestinationIDs {
				if _, err := s.enqueueTx(ctx, tx, `INSERT INTO bulletin_runs (kind, destination_id, rule_id, alert)
					SELECT $2, id, $3, $4 FROM bulletin_destinations WHERE id=$1 AND enabled RETURNING id`, d, kind, r.ID, raw); err != nil {
					return err
				}
			}
			return nil
		}
		for subj, b := range br {
			st, ok := states[subj]
			if !ok {
				st = state{since: now}
				if _, err := tx.Exec(ctx, `INSERT INTO bulletin_alert_state (rule_id, subject, since, value, lim) VALUES ($1,$2,$3,$4,$5)`, r.ID, subj, now, b.value, b.limit); err != nil {
					return err
				}
			} else if _, err := tx.Exec(ctx, `UPDATE bulletin_alert_state SET value=$3, lim=$4 WHERE rule_id=$1 AND subject=$2`, r.ID, subj, b.value, b.limit); err != nil {
				return err
			}
			if st.opened == nil && now.Sub(st.since) >= time.Duration(r.ForMinutes)*time.Minute {
				if _, err := tx.Exec(ctx, `UPDATE bulletin_alert_state SET opened_at=$3 WHERE rule_id=$1 AND subject=$2`, r.ID, subj, now); err != nil {
					return err
				}
				if err := send("alert_open", AlertInfo{Rule: r.Name, Kind: r.Kind, Subject: subjectName(subj), Value: b.value, Limit: b.limit, Since: st.since}); err != nil {
					return err
				}
			}
		}
		for subj, st := range states {
			if _, still := br[subj]; still {
				continue
			}
			if _, err := tx.Exec(ctx, `DELETE FROM bulletin_alert_state WHERE rule_id=$1 AND subject=$2`, r.ID, subj); err != nil {
				return err
			}
			if st.opened != nil {
				info := AlertInfo{Rule: r.Name, Kind: r.Kind, Subject: subjectName(subj), Since: st.since, Cleared: true}
				if st.value != nil {
					info.Value = float64(*st.value)
				}
				if st.lim != nil {
					info.Limit = float64(*st.lim)
				}
				if err := send("alert_clear", info); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func subjectName(subj string) string {
	for _, p := range []string{"queue:", "agent:"} {
		if len(subj) > len(p) && subj[:len(p)] == p {
			return subj[len(p):]
		}
	}
	return subj
}

// OpenAlarms are the alarms open now (of a project's rules and the floor's when project is
// set).
func (s *Service) OpenAlarms(ctx context.Context, project *string) ([]AlertInfo, error) {
	rows, err := s.Pool.Query(ctx, `SELECT r.name, r.kind, st.subject, coalesce(st.value, 0), coalesce(st.lim, 0), st.since
		FROM bulletin_alert_state st JOIN bulletin_alert_rules r ON r.id = st.rule_id
		WHERE st.opened_at IS NOT NULL AND ($1::text IS NULL OR r.project_id IS NULL OR r.project_id = $1)
		ORDER BY st.since, r.name, st.subject`, project)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AlertInfo
	for rows.Next() {
		var a AlertInfo
		var v, l float32
		if err := rows.Scan(&a.Rule, &a.Kind, &a.Subject, &v, &l, &a.Since); err != nil {
			return nil, err
		}
		a.Subject, a.Value, a.Limit = subjectName(a.Subject), float64(v), float64(l)
		out = append(out, a)
	}
	return out, rows.Err()
}

// sumFigures adds queues' today figures into one (metrics.md's formulas over the sums).
func sumFigures(qs []realtime.QueueView) Figures {
	var off, ans, ab, sab, within, lost, handled int64
	var ahtSum float64
	for _, q := range qs {
		t := q.Today
		off += t.Offered
		ans += t.Answered
		ab += t.Abandoned
		sab += t.ShortAbandoned
		within += t.AnsweredWithinT
		lost += t.Lost
		handled += t.Handled
		if t.AHT != nil {
			ahtSum += *t.AHT * float64(t.Handled)
		}
	}
	return liveFigures(realtime.Figures{Offered: off, Answered: ans, Abandoned: ab, ShortAbandoned: sab, AnsweredWithinT: within, Lost: lost, Handled: handled}, ahtSum)
}

func liveFigures(t realtime.Figures, ahtSum float64) Figures {
	f := Figures{Offered: t.Offered, Answered: t.Answered, Abandoned: t.Abandoned - t.ShortAbandoned}
	f.ServiceLevel = ratio(t.AnsweredWithinT, t.Answered+t.Abandoned-t.ShortAbandoned)
	f.AbandonRate = ratio(t.Abandoned-t.ShortAbandoned, t.Offered-t.ShortAbandoned-t.Lost)
	if t.AHT != nil {
		f.AHT = t.AHT
	} else if t.Handled > 0 && ahtSum > 0 {
		v := ahtSum / float64(t.Handled)
		f.AHT = &v
	}
	return f
}

// Compose gathers a bulletin: today so far from the live KPI (the wallboard's figures) and
// today's outbound and yesterday until the same time from the Source (the report engine),
// against the project's targets; best and worst teams by today's service level, and of the teams
// that dialled today by connect rate; the open alarms.
func (s *Service) Compose(ctx context.Context, project *string, now time.Time) (Bulletin, error) {
	loc := s.loc()
	local := now.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	b := Bulletin{At: now, Project: project}
	if s.Live != nil {
		if project == nil {
			f, err := s.Live.Floor(ctx, now)
			if err != nil {
				return b, err
			}
			b.Today = liveFigures(f.Today, 0)
		} else {
			names, err := s.projectQueues(ctx, project)
			if err != nil {
				return b, err
			}
			var qs []realtime.QueueView
			if len(names) > 0 {
				if qs, err = s.Live.Queues(ctx, names, now); err != nil {
					return b, err
				}
			}
			b.Today = sumFigures(qs)
		}
		teams, err := s.Live.Teams(ctx, now)
		if err != nil {
			return b, err
		}
		var keep func(string) bool
		if project != nil {
			tp, err := s.teamProjects(ctx)
			if err != nil {
				return b, err
			}
			keep = func(t string) bool { return tp[t] == *project }
		}
		b.BestTeam, b.WorstTeam = rankTeams(teams, keep)
	}
	today, err := s.source().Figures(ctx, project, midnight, now)
	if err != nil {
		return b, err
	}
	b.Today.Dials, b.Today.Connects, b.Today.TalkMinutes = today.Dials, today.Connects, today.TalkMinutes
	teams, err := s.source().OutboundTeams(ctx, project, midnight, now)
	if err != nil {
		return b, err
	}
	b.BestOutboundTeam, b.WorstOutboundTeam = rankOutbound(teams)
	if cs, ok := s.source().(CampaignSource); ok {
		if b.Campaigns, err = cs.Campaigns(ctx, project, midnight, now); err != nil {
			return b, err
		}
	}
	if b.Yesterday, err = s.source().Figures(ctx, project, midnight.AddDate(0, 0, -1), local.AddDate(0, 0, -1)); err != nil {
		return b, err
	}
	if project != nil {
		if b.Target, _, err = s.target(ctx, "project", *project); err != nil {
			return b, err
		}
	}
	if b.OpenAlarms, err = s.OpenAlarms(ctx, project); err != nil {
		return b, err
	}
	return b, nil
}
