package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// The demo's customer side (issue 14) in a short run of its serve: the live callers have +86
// numbers, now and then a customer of the directory; a share of the calls is ended by the agent
// and the caller answers the post-call survey by DTMF: the satisfaction report fills, a
// dissatisfied answer on support opens a ticket and one on sales a QA sample.
func TestDemoCustomerSide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	demo, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, testenv.RedisURL())
	// the demo's customer side, which testConfigOn leaves out for the other tests
	cfg.Sim.Numbers = demo.Sim.Numbers
	for i := range cfg.Sim.Traffic {
		cfg.Sim.Traffic[i].AgentHangup = demo.Sim.Traffic[i].AgentHangup
	}
	if cfg.Sim.Numbers != callfloor.SimNumbersCN || cfg.Sim.Traffic[1].Queue != "support" || cfg.Sim.Traffic[1].AgentHangup < 0.5 || demo.Sim.Survey.Satisfied < 0.5 {
		t.Fatalf("demo.yaml: numbers %q, traffic %+v, survey %+v: want cn, agents ending most support calls, most callers satisfied", cfg.Sim.Numbers, cfg.Sim.Traffic, demo.Sim.Survey)
	}
	// more dissatisfied callers than the demo's 6 %: a ticket within seconds
	cfg.Sim.Survey = callfloor.SimSurveyMix{Satisfied: 0.4, Neutral: 0.1, Dissatisfied: 0.4, HangUp: 0.05}
	cfg.Sim.Speed = 30
	for i := range cfg.Queues {
		cfg.Queues[i].WrapUp = 2 * time.Second // the agents back at once: more calls, more surveys in a few seconds
	}
	// the directory before the start: three customers, a VIP among them
	known := []string{"+8613917263548", "+8618621093346", "+862164381275"}
	db, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	for i, phone := range known {
		name := []string{"王建国", "陈丽", "李秀英"}[i]
		if _, err := db.UpdateCustomer(ctx, phone, storage.CustomerEdit{Name: &name}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SetCustomerFlag(ctx, known[0], callfloor.FlagVIP, true, "lee", "白金卡客户", time.Now()); err != nil {
		t.Fatal(err)
	}
	// a QA evaluator for the sales queue's dissatisfied answers (its action: a QA sample)
	if _, err := db.CreateUser(ctx, storage.NewUser{Username: "quinn", Password: "a long enough password", Role: callfloor.RoleQA}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	m := startMain(t, cfg, io.Discard)
	url, tok := "http://"+m.Addr(), userToken(t, m, "root", callfloor.RoleAdmin)
	var completed, ticketed, sampled int
	testenv.Eventually(t, 45*time.Second, "surveys answered, a ticket and a QA sample from dissatisfied answers", func() bool {
		if err := m.DB.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE outcome = 'completed' AND rating IS NOT NULL),
			count(*) FILTER (WHERE action = 'ticket' AND action_state = 'done'), count(*) FILTER (WHERE action = 'qa_sample' AND action_state = 'done')
			FROM surveys`).Scan(&completed, &ticketed, &sampled); err != nil {
			t.Fatal(err)
		}
		return completed >= 3 && ticketed >= 1 && sampled >= 1
	})

	// the ticket: a complaint from the survey, of the caller's +86 number
	var phone, category, queue string
	if err := m.DB.Pool.QueryRow(ctx, `SELECT t.phone, t.category, coalesce(t.queue, '') FROM tickets t JOIN surveys s ON s.call_id = t.survey_call_id
		WHERE s.rating = 'dissatisfied' LIMIT 1`).Scan(&phone, &category, &queue); err != nil {
		t.Fatalf("no ticket of a dissatisfied survey: %v", err)
	}
	if !strings.HasPrefix(phone, "+86") || category != "complaint" || queue != "support" {
		t.Errorf("survey ticket: phone %q category %q queue %q, want a +86 complaint of support", phone, category, queue)
	}
	// the surveys came after calls the agent ended; callers also hung up first on others
	var byAgent, byCaller int
	if err := m.DB.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE hangup_by = 'agent'), count(*) FILTER (WHERE hangup_by = 'caller')
		FROM calls WHERE direction = 'inbound' AND outcome = 'answered'`).Scan(&byAgent, &byCaller); err != nil {
		t.Fatal(err)
	}
	if byAgent == 0 || byCaller == 0 {
		t.Errorf("answered calls ended by the agent %d, by the caller %d: want both", byAgent, byCaller)
	}
	var orphan int
	if err := m.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM surveys s JOIN calls c ON c.id = s.call_id WHERE c.hangup_by IS DISTINCT FROM 'agent'`).Scan(&orphan); err != nil || orphan != 0 {
		t.Errorf("%d surveys after a call the agent did not end (%v)", orphan, err)
	}

	// every live caller has a mainland number; some are the directory's customers
	rows, err := m.DB.Pool.Query(ctx, `SELECT coalesce(caller_number, '') FROM calls WHERE direction = 'inbound'`)
	if err != nil {
		t.Fatal(err)
	}
	numbers := map[string]int{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		numbers[n]++
	}
	rows.Close()
	var mobiles, landlines, customers, calls int
	for n, c := range numbers {
		calls += c
		canon, err := callfloor.CanonicalPhone(n, "86")
		if err != nil || canon != n {
			t.Errorf("live caller %q: not a canonical +86 number (%v)", n, err)
			continue
		}
		switch {
		case strings.HasPrefix(n, "+861"):
			mobiles += c
		case strings.HasPrefix(n, "+8610"), strings.HasPrefix(n, "+8621"):
			landlines += c
		}
		for _, k := range known {
			if n == k {
				customers += c
			}
		}
	}
	if calls < 20 || mobiles == 0 || landlines == 0 || customers == 0 || mobiles < landlines {
		t.Errorf("%d live calls: %d from mobiles, %d from landlines, %d from the directory's customers: want all three, mostly mobiles", calls, mobiles, landlines, customers)
	}

	// the satisfaction report shows them
	day := time.Now().In(m.Config.Location()).Format(time.DateOnly)
	code, body := api(t, "GET", url+"/api/v1/reports/surveys?from="+day+"&to="+day+"&group=queue", tok, "")
	if code != 200 {
		t.Fatalf("satisfaction report: %d %v", code, body)
	}
	tot, _ := body["totals"].(map[string]any)
	if tot["responded"].(float64) < 3 || tot["dissatisfied"].(float64) < 1 || tot["satisfaction"] == nil {
		t.Errorf("satisfaction report totals %v: want responses, a dissatisfied one and a satisfaction", tot)
	}
	t.Logf("%d live calls (%d mobiles, %d landlines, %d customers); answered: %d ended by the agent, %d by the caller; surveys: %d completed, %d tickets, %d QA samples; report %v",
		calls, mobiles, landlines, customers, byAgent, byCaller, completed, ticketed, sampled, tot)
}

// The customer side's settings are checked, each error naming its field and its kind.
func TestSimCustomerSideConfig(t *testing.T) {
	t.Parallel()
	for field, edit := range map[string]func(*callfloor.Config){
		"sim.numbers":                 func(c *callfloor.Config) { c.Sim.Numbers = "us" },
		"sim.traffic[1].agent_hangup": func(c *callfloor.Config) { c.Sim.Traffic[1].AgentHangup = 1.2 },
		"sim.survey.neutral":          func(c *callfloor.Config) { c.Sim.Survey.Neutral = -0.1 },
		"sim.survey.hang_up":          func(c *callfloor.Config) { c.Sim.Survey.Satisfied, c.Sim.Survey.HangUp = 0.9, 0.2 }, // 1.2 in all
	} {
		cfg, err := LoadConfig("")
		if err != nil {
			t.Fatal(err)
		}
		edit(cfg)
		var e *callfloor.Error
		if err := cfg.Validate(); !errors.As(err, &e) || e.Field != field || (e.Code != callfloor.CodeOutOfRange && e.Code != callfloor.CodeInvalidChoice) {
			t.Errorf("%s: %v (%+v), want an error on that field", field, err, e)
		}
	}
}
