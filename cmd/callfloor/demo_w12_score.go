package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The demo's monthly scores (issue 12): the rule's two versions (v1 from 2026-01: accuracy 97 %,
// exam pass mark 80; v2 from 2026-11: 99 %, 90), the trainer's exams and a few conduct
// deductions and bonuses of the last two months, and their sheets drafted from the demo's
// history and taken through the flow: the month before last approved and acknowledged, last
// month reviewed by the project managers, approved by the operations manager and acknowledged
// by most agents, with Ana's (1001) sheet disputed for her team lead to decide. Idempotent: what
// exists is left alone.

func seedDemoScores(ctx context.Context, db *storage.DB, cfg *callfloor.Config, now time.Time, stdout io.Writer) error {
	rules, err := db.ScoreRules(ctx)
	if err != nil {
		return err
	}
	v1 := callfloor.DefaultScoreRule("2026-01")
	v1.Note = "运营手册 2026 版"
	v2 := callfloor.DefaultScoreRule("2026-11")
	v2.Version, v2.AccuracyStandard, v2.ExamPassMark, v2.Note = 2, 99, 90, "11 月起准确率 99 %，考试及格线 90"
	for _, r := range []callfloor.ScoreRule{v1, v2} {
		if slices.ContainsFunc(rules, func(x callfloor.ScoreRule) bool { return x.EffectiveFrom == r.EffectiveFrom }) {
			continue
		}
		if err := db.AddScoreRule(ctx, r, "olga"); err != nil {
			return fmt.Errorf("demo score rule %d: %w", r.Version, err)
		}
		fmt.Fprintf(stdout, "demo: score rule version %d from %s\n", r.Version, r.EffectiveFrom)
	}
	loc := cfg.Location()
	this := time.Date(now.In(loc).Year(), now.In(loc).Month(), 1, 0, 0, 0, 0, loc)
	teams := map[string][]string{}
	var order []string
	for _, a := range cfg.Agents {
		if a.Team == "" {
			continue
		}
		if teams[a.Team] == nil {
			order = append(order, a.Team)
		}
		teams[a.Team] = append(teams[a.Team], a.ID)
	}
	lead := map[string]string{"team-a": "lee", "team-b": "sam"}
	pm := map[string]string{"team-a": "pam", "team-b": "paul"}
	user := func(agent string) string {
		if agent == "1001" {
			return "ana"
		}
		return agent
	}
	for back := 2; back >= 1; back-- {
		month := this.AddDate(0, -back, 0).Format("2006-01")
		if month < "2026-01" {
			continue // before the rule's first version
		}
		existing, err := db.ScoreSheets(ctx, nil, month)
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			continue
		}
		// the trainer's exams: most pass, a few do not (v2's pass mark is 90)
		for i, a := range cfg.Agents {
			score := float64(78 + (i*7+back*3)%21)
			if err := db.PutExamResult(ctx, a.ID, month, score, "月度业务考试", "tara"); err != nil {
				return err
			}
		}
		entries := []struct {
			agent, kind string
			points      int
			reason, ev  string
		}{
			{"1003", "conduct", 3, "工牌未佩戴", "day:" + month + "-06"},
			{"1006", "bonus", 5, "客户来电表扬", ""},
			{"1015", "conduct", 2, "交接记录未填写", "day:" + month + "-12"},
			{"1017", "bonus", 3, "新人带教", ""},
		}
		had, err := db.ScoreEntries(ctx, nil, month)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(had, func(e storage.ScoreEntryRow) bool { return e.By != "callfloor" }) {
			entries = nil // entered by an earlier run that stopped before drafting
		}
		for _, e := range entries {
			by := lead["team-a"]
			if e.agent >= "1013" {
				by = lead["team-b"]
			}
			if _, err := db.AddScoreEntry(ctx, e.agent, month, e.kind, callfloor.ScoreEntry{Points: e.points, Reason: e.reason, Evidence: e.ev, By: by}); err != nil {
				return fmt.Errorf("demo score entry: %w", err)
			}
		}
		for _, team := range order {
			drafted, _, err := db.DraftScores(ctx, teams[team], team, month, loc, lead[team])
			if err != nil {
				return fmt.Errorf("demo scores %s %s: %w", team, month, err)
			}
			for i, s := range drafted {
				steps := [][3]string{{"review", pm[team], ""}, {"approve", "olga", ""}}
				switch {
				case back == 1 && s.Agent == "1001":
					steps = append(steps, [3]string{"dispute", user(s.Agent), "11 日迟到是门禁系统故障，已向组长报备"})
				case back == 2 || i%3 != 2:
					steps = append(steps, [3]string{"acknowledge", user(s.Agent), ""})
				}
				for _, st := range steps {
					if _, err := db.MoveScore(ctx, s.Agent, month, st[0], st[1], st[2]); err != nil {
						return fmt.Errorf("demo score %s %s %s: %w", s.Agent, month, st[0], err)
					}
				}
			}
			fmt.Fprintf(stdout, "demo: %d score sheets of %s for %s\n", len(drafted), team, month)
		}
	}
	return nil
}
