package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// A dissatisfied answer's action (queues[].survey.on_dissatisfied), carried out after its
// survey row is stored (action_state pending): qa_sample puts the call into QA's sampling (a
// draw of kind survey assigning it to the agent's team lead, else the QA pool, as every draw
// does); ticket opens a ticket from the call through a SurveyTicketOpener (the ticket module,
// issue 14). Each row is handled once (FOR UPDATE SKIP LOCKED, state set in the same
// transaction); a failure is kept in action_error.

// SurveyTicketOpener opens a ticket from a surveyed call; it returns the ticket's id.
type SurveyTicketOpener interface {
	OpenTicketFromSurvey(ctx context.Context, callID, subject, note string) (int64, error)
}

// SurveyActions carries out up to limit pending actions; tickets wait (stay pending) while
// opener is nil. It returns how many were done.
func (db *DB) SurveyActions(ctx context.Context, opener SurveyTicketOpener, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	done := 0
	for range limit {
		ok, err := db.surveyAction(ctx, opener)
		if err != nil {
			return done, err
		}
		if !ok {
			break
		}
		done++
	}
	return done, nil
}

// surveyAction handles the oldest pending action; false when there is none to handle.
func (db *DB) surveyAction(ctx context.Context, opener SurveyTicketOpener) (bool, error) {
	handled := false
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		actions := []string{callfloor.SurveyActionQASample}
		if opener != nil {
			actions = append(actions, callfloor.SurveyActionTicket)
		}
		var s SurveyRecord
		rows, err := tx.Query(ctx, surveySelect+`WHERE s.action_state = 'pending' AND s.action = ANY($1)
			ORDER BY s.stored_at, s.call_id LIMIT 1 FOR UPDATE OF s SKIP LOCKED`, actions)
		if err != nil {
			return err
		}
		s, err = pgx.CollectExactlyOneRow(rows, scanSurvey)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		handled = true
		var ref string
		var aerr error
		switch s.Action {
		case callfloor.SurveyActionQASample:
			ref, aerr = sampleSurveyedCall(ctx, tx, s)
		case callfloor.SurveyActionTicket:
			var id int64
			subject, note := surveyTicketText(s)
			id, aerr = opener.OpenTicketFromSurvey(ctx, s.CallID, subject, note)
			ref = fmt.Sprint(id)
		}
		if aerr != nil {
			_, err = tx.Exec(ctx, `UPDATE surveys SET action_state = 'failed', action_error = $2 WHERE call_id = $1`, s.CallID, aerr.Error())
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE surveys SET action_state = 'done', action_ref = $2, action_error = NULL WHERE call_id = $1`, s.CallID, ref)
		return err
	})
	return handled, err
}

// surveyTicketText is the subject and note of the ticket a dissatisfied answer opens, in the
// language of the survey (the caller's, as a rule the centre's: a Chinese centre's staff read
// Chinese); English for any other.
func surveyTicketText(s SurveyRecord) (subject, note string) {
	answered := s.Q1At.UTC().Format(time.RFC3339)
	if strings.HasPrefix(s.Language, "zh") {
		rating := map[string]string{callfloor.RatingSatisfied: "满意", callfloor.RatingNeutral: "一般", callfloor.RatingDissatisfied: "不满意"}[s.Rating]
		subject = fmt.Sprintf("满意度调查不满意：%s（%s 队列）", s.Number, s.Queue)
		note = fmt.Sprintf("通话 %s 的满意度调查：Q1 %s（%s）", s.CallID, s.Q1, rating)
		if s.Q2 != "" {
			note += fmt.Sprintf("，Q2 %s", s.Q2)
		}
		return subject, note + fmt.Sprintf("；坐席 %s，作答时间 %s。", s.Agent, answered)
	}
	subject = fmt.Sprintf("Dissatisfied caller %s (survey, queue %s)", s.Number, s.Queue)
	note = fmt.Sprintf("Post-call survey of call %s: Q1 %s (%s)", s.CallID, s.Q1, s.Rating)
	if s.Q2 != "" {
		note += fmt.Sprintf(", Q2 %s", s.Q2)
	}
	return subject, note + fmt.Sprintf("; agent %s, answered %s.", s.Agent, answered)
}

// sampleSurveyedCall assigns the call to an evaluator in a draw of kind survey; a call already
// assigned by another draw stays where it is (its draw is the reference).
func sampleSurveyedCall(ctx context.Context, tx pgx.Tx, s SurveyRecord) (string, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, sampleLockKey); err != nil {
		return "", err
	}
	var existing int64
	err := tx.QueryRow(ctx, `SELECT draw_id FROM sample_assignments WHERE call_id = $1`, s.CallID).Scan(&existing)
	if err == nil {
		return fmt.Sprint(existing), nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	leads, pool, err := evaluators(ctx, tx)
	if err != nil {
		return "", err
	}
	c := callfloor.SampleCandidate{CallID: s.CallID, Agent: s.Agent, Team: s.Team, Queue: s.Queue, EnteredAt: s.CallEntered,
		Direction: string(callfloor.Inbound), Outcome: string(callfloor.OutcomeAnswered)}
	assigned := callfloor.Assign([]callfloor.SampleCandidate{c}, leads, pool)
	if len(assigned[""]) > 0 || len(assigned) == 0 {
		return "", errors.New("no evaluator: the agent's team has no team lead and there is no QA evaluator")
	}
	d := SampleDraw{Kind: "survey", DrawnFor: s.CallID, DrawnBy: "survey", Draw: callfloor.Draw{
		From: s.CallEntered, To: s.CallEntered.Add(time.Millisecond), Candidates: 1, PopulationSize: 1, Quota: 1,
		Filters: "survey:" + s.CallID + ":dissatisfied", Picks: []callfloor.SampleCandidate{c}}}
	if _, err := storeDraw(ctx, tx, &d, assigned); err != nil {
		return "", err
	}
	return fmt.Sprint(d.ID), nil
}
