package storage_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// surveyEvent is a survey.ended as the telephony writes it.
func surveyEvent(id, agent, team string, entered time.Time, rating, outcome, action string) callfloor.Event {
	digit := map[string]string{callfloor.RatingSatisfied: "1", callfloor.RatingNeutral: "2", callfloor.RatingDissatisfied: "3"}[rating]
	r := &callfloor.SurveyResult{CallID: id, CallEntered: entered, Number: "+8613800000001", Queue: "sales", Agent: agent, Team: team,
		Language: "zh", OfferedAt: entered.Add(2 * time.Minute), EndedAt: entered.Add(2*time.Minute + 12*time.Second),
		Q1: digit, Rating: rating, Outcome: outcome, Action: action}
	if digit != "" {
		r.Q1At = entered.Add(2*time.Minute + 3*time.Second)
	}
	if outcome == callfloor.SurveyCallerHungUp {
		r.AbandonedAt = 1
	}
	return callfloor.Event{Type: callfloor.EvSurveyEnded, At: r.EndedAt, Survey: r}
}

// surveyFixture: teams red (r1, r2) and blue (b1), their leads and a QA; 10 answered calls and
// 6 surveys through the history writer:
//
//	r1: 4 answered, 3 offered: satisfied, satisfied, no input
//	r2: 3 answered, 3 offered: dissatisfied (qa_sample), neutral, caller hung up
//	b1: 3 answered, none offered
func surveyFixture(t *testing.T) (*histEnv, time.Time) {
	t.Helper()
	e := newHistEnv(t)
	ctx := context.Background()
	call := sampleFloor(t, e.db)
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO queues (name, settings) VALUES ('sales', '{}') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 3, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	n := 0
	at := func() time.Time { n++; return day.Add(time.Duration(n) * 10 * time.Minute) }
	times := map[string]time.Time{}
	for _, c := range []struct {
		id, agent string
	}{{"c1", "r1"}, {"c2", "r1"}, {"c3", "r1"}, {"c4", "r1"}, {"c5", "r2"}, {"c6", "r2"}, {"c7", "r2"}, {"c8", "b1"}, {"c9", "b1"}, {"c10", "b1"}} {
		times[c.id] = at()
		call(c.id, c.agent, times[c.id], true)
	}
	// an abandoned call does not count as answered
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, entered_at, outcome, last_event_id)
		VALUES ('x1', 'inbound', 'sales', 'n1', $1, 'abandoned', '1-0')`, at()); err != nil {
		t.Fatal(err)
	}
	w, _ := e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	for _, s := range []struct{ id, agent, team, rating, outcome, action string }{
		{"c1", "r1", "red", callfloor.RatingSatisfied, callfloor.SurveyCompleted, ""},
		{"c2", "r1", "red", callfloor.RatingSatisfied, callfloor.SurveyCompleted, ""},
		{"c3", "r1", "red", "", callfloor.SurveyNoInput, ""},
		{"c5", "r2", "red", callfloor.RatingDissatisfied, callfloor.SurveyCompleted, callfloor.SurveyActionQASample},
		{"c6", "r2", "red", callfloor.RatingNeutral, callfloor.SurveyCompleted, ""},
		{"c7", "r2", "red", "", callfloor.SurveyCallerHungUp, ""},
	} {
		e.xadd(t, surveyEvent(s.id, s.agent, s.team, times[s.id], s.rating, s.outcome, s.action))
	}
	// a replay of an event changes nothing; a malformed one is skipped
	e.xadd(t, surveyEvent("c1", "r1", "red", times["c1"], callfloor.RatingDissatisfied, callfloor.SurveyCompleted, ""))
	e.xadd(t, callfloor.Event{Type: callfloor.EvSurveyEnded, At: day})
	drained(t, w, 10*time.Second)
	return e, day
}

func near(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

func TestSurveyReportRatesAndDenominators(t *testing.T) {
	t.Parallel()
	e, day := surveyFixture(t)
	ctx := context.Background()
	if n := e.count(t, `SELECT count(*) FROM surveys`); n != 6 {
		t.Fatalf("%d survey rows, want 6", n)
	}
	s, err := e.db.SurveyOf(ctx, "c1")
	if err != nil || s.Rating != callfloor.RatingSatisfied || s.Q1 != "1" || s.Team != "red" || s.Number != "+8613800000001" {
		t.Fatalf("c1 survey %+v (%v): the replayed dissatisfied must not replace it", s, err)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	f := storage.SurveyFilter{From: day.Add(-time.Hour), To: day.Add(24 * time.Hour), Loc: sh, Group: storage.SurveyByAgent}
	rep, err := e.db.SurveyReport(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]storage.SurveyRow{}
	for _, r := range rep.Rows {
		rows[r.Key] = r
	}
	r1, r2, b1 := rows["r1"], rows["r2"], rows["b1"]
	if r1.Answered != 4 || r1.Offered != 3 || r1.Responded != 2 || r1.Satisfied != 2 || r1.NoInput != 1 ||
		!near(r1.OfferRate, 0.75) || !near(r1.ResponseRate, 2.0/3) || !near(r1.Satisfaction, 1) {
		t.Errorf("r1 %+v", r1)
	}
	if r2.Answered != 3 || r2.Offered != 3 || r2.Responded != 2 || r2.Satisfied != 0 || r2.Neutral != 1 || r2.Dissatisfied != 1 || r2.HungUp != 1 ||
		!near(r2.OfferRate, 1) || !near(r2.ResponseRate, 2.0/3) || !near(r2.Satisfaction, 0) {
		t.Errorf("r2 %+v", r2)
	}
	if b1.Answered != 3 || b1.Offered != 0 || !near(b1.OfferRate, 0) || b1.ResponseRate != nil || b1.Satisfaction != nil {
		t.Errorf("b1 %+v: no survey offered, response rate and satisfaction have no denominator", b1)
	}
	tot := rep.Total
	if tot.Answered != 10 || tot.Offered != 6 || tot.Responded != 4 || tot.Satisfied != 2 ||
		!near(tot.OfferRate, 0.6) || !near(tot.ResponseRate, 4.0/6) || !near(tot.Satisfaction, 0.5) {
		t.Errorf("total %+v", tot)
	}
	// by team, by day (Shanghai), filtered to a team
	f.Group = storage.SurveyByTeam
	rep, err = e.db.SurveyReport(ctx, f)
	if err != nil || len(rep.Rows) != 2 || rep.Rows[0].Key != "blue" || rep.Rows[1].Key != "red" || rep.Rows[1].Answered != 7 || rep.Rows[1].Offered != 6 {
		t.Fatalf("by team %+v %v", rep.Rows, err)
	}
	f.Group, f.Teams = storage.SurveyByDay, []string{"red"}
	rep, err = e.db.SurveyReport(ctx, f)
	if err != nil || len(rep.Rows) != 1 || rep.Rows[0].Key != "2026-11-03" || rep.Total.Answered != 7 || !near(rep.Total.Satisfaction, 0.5) {
		t.Fatalf("by day for red %+v %v", rep, err)
	}
	f.Group, f.Teams, f.Projects = storage.SurveyByProject, nil, []string{"default"}
	rep, err = e.db.SurveyReport(ctx, f)
	if err != nil || len(rep.Rows) != 1 || rep.Rows[0].Key != "default" || rep.Total.Offered != 6 {
		t.Fatalf("by project %+v %v", rep, err)
	}
	f.Projects = []string{"other"}
	if rep, _ = e.db.SurveyReport(ctx, f); len(rep.Rows) != 0 {
		t.Fatalf("another project's scope sees %+v", rep.Rows)
	}
	// the per-call list and the customer's timeline
	list, err := e.db.Surveys(ctx, storage.SurveyFilter{From: f.From, To: f.To, Agents: []string{"r2"}})
	if err != nil || len(list) != 3 || list[0].CallID != "c7" {
		t.Fatalf("r2's surveys %+v %v", list, err)
	}
	items, err := e.db.Timeline(ctx, "+8613800000001", time.Time{}, 50)
	if err != nil {
		t.Fatal(err)
	}
	surveys := 0
	for _, it := range items {
		if it.Kind == "survey" {
			surveys++
			if it.Ref == "c5" && (it.Title != callfloor.RatingDissatisfied || it.Detail["action"] != callfloor.SurveyActionQASample) {
				t.Errorf("c5 on the timeline %+v", it)
			}
		}
	}
	if surveys != 6 {
		t.Errorf("%d surveys on the timeline, want 6", surveys)
	}
	// bad input names the field
	_, err = e.db.SurveyReport(ctx, storage.SurveyFilter{From: day, To: day.Add(time.Hour), Group: "week"})
	var ce *callfloor.Error
	if !errors.As(err, &ce) || ce.Field != "group" || ce.Code != callfloor.CodeInvalidChoice {
		t.Errorf("bad group: %v", err)
	}
}

type ticketRecorder struct {
	mu    sync.Mutex
	calls []string
	notes []string
	fail  error
}

func (r *ticketRecorder) OpenTicketFromSurvey(_ context.Context, callID, subject, note string) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return 0, r.fail
	}
	r.calls = append(r.calls, callID)
	r.notes = append(r.notes, subject+" | "+note)
	return int64(100 + len(r.calls)), nil
}

func TestSurveyDissatisfiedActions(t *testing.T) {
	t.Parallel()
	e, day := surveyFixture(t)
	ctx := context.Background()
	// two more dissatisfied answers whose queue opens tickets
	w, _ := e.start(t, e.db, storage.WriterOptions{Consumer: "w2"})
	e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, agent_id, entered_at, talk_ms, outcome, last_event_id)
		VALUES ('t1', 'inbound', 'sales', 'n1', 'b1', $1, 1000, 'answered', '1-0'), ('t2', 'inbound', 'sales', 'n1', 'b1', $2, 1000, 'answered', '1-0')`,
		day.Add(5*time.Hour), day.Add(6*time.Hour))
	e.xadd(t, surveyEvent("t1", "b1", "blue", day.Add(5*time.Hour), callfloor.RatingDissatisfied, callfloor.SurveyCompleted, callfloor.SurveyActionTicket))
	e.xadd(t, surveyEvent("t2", "b1", "blue", day.Add(6*time.Hour), callfloor.RatingDissatisfied, callfloor.SurveyCompleted, callfloor.SurveyActionTicket))
	drained(t, w, 10*time.Second)

	// without the ticket module, only the QA sample is done; the tickets wait
	n, err := e.db.SurveyActions(ctx, nil, 10)
	if err != nil || n != 1 {
		t.Fatalf("actions without tickets: %d %v, want 1", n, err)
	}
	wl, err := e.db.Worklist(ctx, "lead-red")
	if err != nil || len(wl) != 1 || wl[0].CallID != "c5" || wl[0].Kind != "survey" {
		t.Fatalf("lead-red's worklist %+v %v: the dissatisfied call c5 must be in it", wl, err)
	}
	s, _ := e.db.SurveyOf(ctx, "c5")
	if s.ActionState != "done" || s.ActionRef == "" {
		t.Errorf("c5 action %q ref %q", s.ActionState, s.ActionRef)
	}
	if s, _ := e.db.SurveyOf(ctx, "t1"); s.ActionState != "pending" {
		t.Errorf("t1 action %q, want pending", s.ActionState)
	}
	// a failing ticket module: kept as failed with its error
	rec := &ticketRecorder{fail: errors.New("ticket gateway down")}
	if n, err := e.db.SurveyActions(ctx, rec, 1); err != nil || n != 1 {
		t.Fatalf("failing action: %d %v", n, err)
	}
	if e.count(t, `SELECT count(*) FROM surveys WHERE action_state = 'failed' AND action_error = 'ticket gateway down'`) != 1 {
		t.Error("the failure is not recorded")
	}
	rec.fail = nil
	if n, err := e.db.SurveyActions(ctx, rec, 10); err != nil || n != 1 {
		t.Fatalf("ticket actions: %d %v, want 1", n, err)
	}
	// a Chinese survey's ticket reads in Chinese
	if len(rec.calls) != 1 || !strings.Contains(rec.notes[0], "+8613800000001") || !strings.Contains(rec.notes[0], "Q1 3") || !strings.Contains(rec.notes[0], "满意度调查不满意") {
		t.Fatalf("tickets opened %v %v", rec.calls, rec.notes)
	}
	s, _ = e.db.SurveyOf(ctx, rec.calls[0])
	if s.ActionState != "done" || s.ActionRef != "101" {
		t.Errorf("ticket action %q ref %q", s.ActionState, s.ActionRef)
	}
	// nothing is done twice
	if n, _ := e.db.SurveyActions(ctx, rec, 10); n != 0 || len(rec.calls) != 1 {
		t.Errorf("a second run did %d more", n)
	}
	// wired as deployed: the DB itself opens the ticket (a complaint, pre-filled from the call,
	// the call's agent its first owner)
	e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, agent_id, caller_number, entered_at, talk_ms, outcome, last_event_id)
		VALUES ('t3', 'inbound', 'sales', 'n1', 'b1', '13800000003', $1, 1000, 'answered', '1-0')`, day.Add(7*time.Hour))
	e.xadd(t, surveyEvent("t3", "b1", "blue", day.Add(7*time.Hour), callfloor.RatingDissatisfied, callfloor.SurveyCompleted, callfloor.SurveyActionTicket))
	drained(t, w, 10*time.Second)
	if n, err := e.db.SurveyActions(ctx, e.db, 10); err != nil || n != 1 {
		t.Fatalf("ticket action through the DB: %d %v", n, err)
	}
	s, _ = e.db.SurveyOf(ctx, "t3")
	var category, agent, call, by string
	if err := e.db.Pool.QueryRow(ctx, `SELECT category, coalesce(call_agent, ''), coalesce(call_id, ''), created_by FROM tickets WHERE id::text = $1`, s.ActionRef).Scan(&category, &agent, &call, &by); err != nil ||
		s.ActionState != "done" || category != "complaint" || agent != "b1" || call != "t3" || by != "system:survey" {
		t.Errorf("survey ticket: state %q ref %q error %q: %s %s %s %s %v", s.ActionState, s.ActionRef, actionError(e.db, "t3"), category, agent, call, by, err)
	}
}

// The month's responses and satisfied answers feed the score's survey bonus.
func TestSurveyScoreInputs(t *testing.T) {
	t.Parallel()
	e, _ := surveyFixture(t)
	ins, err := e.db.ScoreInputsFor(context.Background(), []string{"r1", "r2", "b1"}, "2026-11", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if in := ins["r1"]; in.SurveyResponses != 2 || in.SurveySatisfied != 2 {
		t.Errorf("r1 inputs %d/%d, want 2/2", in.SurveySatisfied, in.SurveyResponses)
	}
	if in := ins["r2"]; in.SurveyResponses != 2 || in.SurveySatisfied != 0 {
		t.Errorf("r2 inputs %d/%d, want 0/2", in.SurveySatisfied, in.SurveyResponses)
	}
	if in := ins["b1"]; in.SurveyResponses != 0 {
		t.Errorf("b1 inputs %d", in.SurveyResponses)
	}
}

func actionError(db *storage.DB, call string) string {
	var s string
	db.Pool.QueryRow(context.Background(), `SELECT coalesce(action_error, '') FROM surveys WHERE call_id = $1`, call).Scan(&s)
	return s
}

// A survey's ticket is opened in its own transaction: a retry of the step (its state not saved,
// or two instances at once) must find the ticket already opened, never open a second one.
func TestSurveyTicketOnce(t *testing.T) {
	t.Parallel()
	e, day := surveyFixture(t)
	ctx := context.Background()
	w, _ := e.start(t, e.db, storage.WriterOptions{Consumer: "w2"})
	e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, agent_id, caller_number, entered_at, talk_ms, outcome, last_event_id)
		VALUES ('o1', 'inbound', 'sales', 'n1', 'b1', '13800000009', $1, 1000, 'answered', '1-0')`, day.Add(7*time.Hour))
	e.xadd(t, surveyEvent("o1", "b1", "blue", day.Add(7*time.Hour), callfloor.RatingDissatisfied, callfloor.SurveyCompleted, callfloor.SurveyActionTicket))
	drained(t, w, 10*time.Second)
	// the QA sample of the fixture's c5 first, then o1's ticket
	if n, err := e.db.SurveyActions(ctx, e.db, 10); err != nil || n != 2 {
		t.Fatalf("actions: %d %v, want 2", n, err)
	}
	first, _ := e.db.SurveyOf(ctx, "o1")
	if first.ActionState != "done" || first.ActionRef == "" {
		t.Fatalf("o1 action %q ref %q error %q", first.ActionState, first.ActionRef, actionError(e.db, "o1"))
	}
	// the step runs again as after a crash between the ticket and the survey's state
	if _, err := e.db.Pool.Exec(ctx, `UPDATE surveys SET action_state = 'pending', action_ref = NULL WHERE call_id = 'o1'`); err != nil {
		t.Fatal(err)
	}
	if n, err := e.db.SurveyActions(ctx, e.db, 10); err != nil || n != 1 {
		t.Fatalf("retried action: %d %v, want 1", n, err)
	}
	again, _ := e.db.SurveyOf(ctx, "o1")
	if again.ActionState != "done" || again.ActionRef != first.ActionRef {
		t.Errorf("the retry's ticket %q (%s), want the first one %q", again.ActionRef, again.ActionState, first.ActionRef)
	}
	// two instances opening it at the same moment
	var wg sync.WaitGroup
	ids := make([]int64, 4)
	errs := make([]error, 4)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = e.db.OpenTicketFromSurvey(ctx, "o1", "again", "again")
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || fmt.Sprint(ids[i]) != first.ActionRef {
			t.Errorf("concurrent open %d: ticket %d %v, want %s", i, ids[i], errs[i], first.ActionRef)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM tickets WHERE call_id = 'o1'`); n != 1 {
		t.Errorf("%d tickets for the survey of o1, want 1", n)
	}
	// a ticket opened by hand from the same call is not the survey's: it is allowed
	if _, err := e.db.OpenTicketFromCall(ctx, storage.TicketFromCall{CallID: "o1", Category: "complaint", Subject: "by hand", By: "system:desk"}); err != nil {
		t.Errorf("a second, non-survey ticket from the call: %v", err)
	}
}
