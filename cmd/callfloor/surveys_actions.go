package main

import (
	"context"
	"time"

	"github.com/callfloor/callfloor/storage"
)

// surveyActionsEvery is how often the dissatisfied survey answers' actions are carried out.
const surveyActionsEvery = 15 * time.Second

// surveyTickets opens tickets for dissatisfied survey answers (queues[].survey.on_dissatisfied
// ticket). nil until the ticket module is wired: those actions then wait, pending.
var surveyTickets storage.SurveyTicketOpener

// surveyActions carries out the dissatisfied survey answers' actions (QA samples, tickets) as
// the history writer stores them, until ctx ends.
func (m *Main) surveyActions(ctx context.Context) {
	t := time.NewTicker(surveyActionsEvery)
	defer t.Stop()
	for {
		if n, err := m.DB.SurveyActions(ctx, surveyTickets, 200); err != nil && ctx.Err() == nil {
			m.Log.Warn("carrying out the surveys' dissatisfied actions", "done", n, "err", err)
		} else if n > 0 {
			m.Log.Info("surveys' dissatisfied actions done", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
