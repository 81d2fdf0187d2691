package storage

// Scheduled draws of sample plans (migration 00010).
//
// Every active plan is drawn once per period, automatically, by ScheduledPlanDraws (serve's
// hourly housekeeping calls it): the last whole period of the plan's kind in the centre's time
// zone (yesterday; last ISO week, Monday 00:00 to Monday 00:00; last calendar month; bounds are
// local midnights, see callfloor.SamplePeriod). Rules:
//
//   - Which periods: only the last whole one, and only if it was not yet over when the plan was
//     created. A plan created on a Wednesday draws that whole week (its calls before the
//     Wednesday too) once the week is over; periods already over at its creation are never drawn
//     automatically (POST /qa/plans/{id}/draws covers them). Periods missed while no instance
//     ran (down for more than a period) are not caught up: that is also what a manual draw is for.
//   - Once: the draw has kind "scheduled" and drawn_for the plan's ID, and sample_draws is unique
//     on (kind, drawn_for, period_from); the draws' advisory lock serialises instances, and a
//     period that already has a draw of the plan with the same bounds (a manual one too) is
//     skipped, so restarts and several callfloor instances draw a period once.
//   - Seed: callfloor.ScheduledDrawSeed(plan ID, period start), stored with the draw like every
//     seed: the draw is callfloor.DrawSample(plan, population, seed, from, to), where the
//     population is the candidates of the period at the time of the draw (calls with a recording
//     not yet assigned by any draw).
//   - Assignment as for a manual draw: the team leads of each call's team and the QA pool.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// DrawKindScheduled is a plan's automatic draw of a whole period; drawn_for is the plan's ID.
const DrawKindScheduled = "scheduled"

// ScheduledPlanDraws makes the scheduled draw of every active plan whose last whole period (at
// now, in loc; nil is UTC) is due and not yet drawn (see the rules at the top of this file). It
// returns how many draws it made and how many calls they assigned; a plan that fails is
// reported in the joined error and does not stop the others.
func (db *DB) ScheduledPlanDraws(ctx context.Context, now time.Time, loc *time.Location) (draws, assigned int, err error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+planCols+` FROM sample_plans WHERE active ORDER BY id`)
	if err != nil {
		return 0, 0, fmt.Errorf("scheduled draws: %w", err)
	}
	plans, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SamplePlanRecord, error) { return scanPlan(r) })
	if err != nil {
		return 0, 0, fmt.Errorf("scheduled draws: %w", err)
	}
	var errs []error
	for _, p := range plans {
		from, to, err := callfloor.LastWholeSamplePeriod(p.Period, now, loc)
		if err != nil {
			errs = append(errs, fmt.Errorf("scheduled draw of plan %d: %w", p.ID, err))
			continue
		}
		if !to.After(p.CreatedAt) {
			continue // over before the plan existed
		}
		n, made, err := db.scheduledDraw(ctx, p, from, to)
		if err != nil {
			errs = append(errs, fmt.Errorf("scheduled draw of plan %d for [%s, %s): %w", p.ID, from.Format(time.RFC3339), to.Format(time.RFC3339), err))
			continue
		}
		if made {
			draws++
			assigned += n
		}
	}
	return draws, assigned, errors.Join(errs...)
}

// periodDrawn says plan $1 has a draw (manual or scheduled) of exactly [$2, $3).
const periodDrawn = `EXISTS (SELECT 1 FROM sample_draws WHERE plan_id = $1 AND period_from = $2 AND period_to = $3)`

// scheduledDraw draws plan p over [from, to) unless it has a draw of that period; it returns the
// number of calls assigned and whether it drew.
func (db *DB) scheduledDraw(ctx context.Context, p SamplePlanRecord, from, to time.Time) (int, bool, error) {
	// the usual case, every hour but the first after a period: drawn already, no need to queue
	// for the draws' lock
	var drawn bool
	if err := db.Pool.QueryRow(ctx, `SELECT `+periodDrawn, p.ID, from, to).Scan(&drawn); err != nil || drawn {
		return 0, false, err
	}
	n, made := 0, false
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, sampleLockKey); err != nil {
			return err
		}
		// again under the lock: another instance may have drawn it meanwhile, or the plan stopped
		var active bool
		if err := tx.QueryRow(ctx, `SELECT `+periodDrawn+`, (SELECT active FROM sample_plans WHERE id = $1)`,
			p.ID, from, to).Scan(&drawn, &active); err != nil {
			return err
		}
		if drawn || !active {
			return nil
		}
		pop, err := candidates(ctx, tx, from, to, CandidateFilter{})
		if err != nil {
			return err
		}
		plan := p.Plan
		plan.NotEvaluated = true
		d := SampleDraw{PlanID: &p.ID, Kind: DrawKindScheduled, DrawnFor: strconv.FormatInt(p.ID, 10), DrawnBy: "system"}
		if d.Draw, err = callfloor.DrawSample(plan, pop, callfloor.ScheduledDrawSeed(p.ID, from), from, to); err != nil {
			return err
		}
		leads, pool, err := evaluators(ctx, tx)
		if err != nil {
			return err
		}
		byEvaluator := callfloor.Assign(d.Picks, leads, pool)
		if made, err = storeDraw(ctx, tx, &d, byEvaluator); err != nil || !made {
			return err
		}
		n = len(d.Picks) - len(d.Unassigned)
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return n, made, nil
}

// DrawSummary is a stored draw without its picks: its seed, period, filters and sizes, and how
// many calls it assigned (picks nobody could evaluate are not kept).
type DrawSummary struct {
	ID             int64     `json:"id"`
	PlanID         *int64    `json:"plan_id,omitempty"`
	Kind           string    `json:"kind"`
	DrawnFor       string    `json:"drawn_for,omitempty"`
	DrawnAt        time.Time `json:"drawn_at"`
	DrawnBy        string    `json:"drawn_by"`
	Seed           int64     `json:"seed"`
	From           time.Time `json:"from"`
	To             time.Time `json:"to"`
	Filters        string    `json:"filters"`
	Candidates     int       `json:"candidates"`
	PopulationSize int       `json:"population_size"`
	Quota          int       `json:"quota"`
	Short          int       `json:"short"`
	Assigned       int       `json:"assigned"`
}

const drawSummarySelect = `SELECT d.id, d.plan_id, d.kind, coalesce(d.drawn_for, ''), d.drawn_at, d.drawn_by, d.seed, d.period_from, d.period_to,
	d.filters, d.candidates, d.population_size, d.quota, d.short, (SELECT count(*) FROM sample_assignments s WHERE s.draw_id = d.id)
	FROM sample_draws d `

func scanDrawSummary(r pgx.CollectableRow) (DrawSummary, error) {
	var d DrawSummary
	err := r.Scan(&d.ID, &d.PlanID, &d.Kind, &d.DrawnFor, &d.DrawnAt, &d.DrawnBy, &d.Seed, &d.From, &d.To, &d.Filters, &d.Candidates,
		&d.PopulationSize, &d.Quota, &d.Short, &d.Assigned)
	return d, err
}

// PlanDraws returns the draws of plan planID (manual and scheduled), newest first, at most
// limit; ENOTFOUND if there is no such plan.
func (db *DB) PlanDraws(ctx context.Context, planID int64, limit int) ([]DrawSummary, error) {
	if _, err := db.Plan(ctx, planID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.Pool.Query(ctx, drawSummarySelect+`WHERE d.plan_id = $1 ORDER BY d.drawn_at DESC, d.id DESC LIMIT $2`, planID, limit)
	if err != nil {
		return nil, fmt.Errorf("plan draws: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanDrawSummary)
	if err != nil {
		return nil, fmt.Errorf("plan draws: %w", err)
	}
	return out, nil
}

// PlanRun is a scheduled draw to come: the period it covers and when it is due (the end of the
// period; the hourly housekeeping draws it within the hour after). DueAt in the past means it is
// overdue: the next housekeeping run draws it.
type PlanRun struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	DueAt time.Time `json:"due_at"`
}

// PlanStatus is a plan with its latest draw (of any kind, null if none) and its next scheduled
// draw (null for an inactive plan).
type PlanStatus struct {
	SamplePlanRecord
	LastDraw *DrawSummary `json:"last_draw"`
	NextRun  *PlanRun     `json:"next_run"`
}

// PlanStatuses returns every plan, newest first, with its latest draw and, at now in loc (nil
// is UTC), its next scheduled draw.
func (db *DB) PlanStatuses(ctx context.Context, now time.Time, loc *time.Location) ([]PlanStatus, error) {
	plans, err := db.ListPlans(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.Pool.Query(ctx, drawSummarySelect+`WHERE d.id IN (SELECT DISTINCT ON (plan_id) id FROM sample_draws
		WHERE plan_id IS NOT NULL ORDER BY plan_id, drawn_at DESC, id DESC)`)
	if err != nil {
		return nil, fmt.Errorf("plans' last draws: %w", err)
	}
	last, err := pgx.CollectRows(rows, scanDrawSummary)
	if err != nil {
		return nil, fmt.Errorf("plans' last draws: %w", err)
	}
	byPlan := map[int64]*DrawSummary{}
	for i := range last {
		byPlan[*last[i].PlanID] = &last[i]
	}
	out := make([]PlanStatus, len(plans))
	for i, p := range plans {
		out[i] = PlanStatus{SamplePlanRecord: p, LastDraw: byPlan[p.ID]}
		if !p.Active {
			continue
		}
		from, to, err := callfloor.LastWholeSamplePeriod(p.Period, now, loc)
		if err != nil {
			return nil, err
		}
		if to.After(p.CreatedAt) {
			var drawn bool
			if err := db.Pool.QueryRow(ctx, `SELECT `+periodDrawn, p.ID, from, to).Scan(&drawn); err != nil {
				return nil, fmt.Errorf("plan %d: %w", p.ID, err)
			}
			if !drawn {
				out[i].NextRun = &PlanRun{From: from, To: to, DueAt: to}
				continue
			}
		}
		if from, to, err = callfloor.SamplePeriod(p.Period, now, loc); err != nil {
			return nil, err
		}
		out[i].NextRun = &PlanRun{From: from, To: to, DueAt: to}
	}
	return out, nil
}

// SetPlanActive starts or stops a plan's scheduled draws (an inactive plan cannot be drawn by
// hand either); ENOTFOUND if there is no such plan.
func (db *DB) SetPlanActive(ctx context.Context, id int64, active bool) (SamplePlanRecord, error) {
	p, err := scanPlan(db.Pool.QueryRow(ctx, `UPDATE sample_plans SET active = $2 WHERE id = $1 RETURNING `+planCols, id, active))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, callfloor.NotFound("sample_plan", strconv.FormatInt(id, 10), "no sample plan %d", id)
	}
	return p, err
}
