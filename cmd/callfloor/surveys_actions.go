package main

import (
	"context"
	"time"
)

// surveyActionsEvery is how often the dissatisfied survey answers' actions are carried out.
const surveyActionsEvery = 15 * time.Second

// surveyActions carries out the dissatisfied survey answers' actions (QA samples, tickets) as
// the history writer stores them, until ctx ends.
func (m *Main) surveyActions(ctx context.Context) {
	t := time.NewTicker(surveyActionsEvery)
	defer t.Stop()
	for {
		// tickets open as complaints through the DB itself (storage.DB.OpenTicketFromSurvey)
		if n, err := m.DB.SurveyActions(ctx, m.DB, 200); err != nil && ctx.Err() == nil {
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
