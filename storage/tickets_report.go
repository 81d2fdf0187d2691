package storage

import (
	"context"
	"sort"
	"time"
)

// The tickets report: tickets created in a period, by category, by project and by day.
//
//   - on-time answer rate = answered by the due time ÷ answered (the first answer of the round
//     still open; a reopened ticket's earlier answer is not counted twice);
//   - reopen rate = tickets reopened at least once ÷ tickets with a follow-up recorded;
//   - overdue open = not closed, not answered, past the due time, now.

// TicketFigures are one row's figures.
type TicketFigures struct {
	Key            string   `json:"key"`
	Created        int      `json:"created"`
	Closed         int      `json:"closed"`
	Answered       int      `json:"answered"`
	AnsweredOnTime int      `json:"answered_on_time"`
	OnTimeRate     *float64 `json:"on_time_rate"`
	FollowedUp     int      `json:"followed_up"`
	Reopened       int      `json:"reopened"`
	ReopenRate     *float64 `json:"reopen_rate"`
	OverdueOpen    int      `json:"overdue_open"`
}

func (f *TicketFigures) add(o TicketFigures) {
	f.Created += o.Created
	f.Closed += o.Closed
	f.Answered += o.Answered
	f.AnsweredOnTime += o.AnsweredOnTime
	f.FollowedUp += o.FollowedUp
	f.Reopened += o.Reopened
	f.OverdueOpen += o.OverdueOpen
}

func (f *TicketFigures) rates() {
	f.OnTimeRate = ratio(f.AnsweredOnTime, f.Answered)
	f.ReopenRate = ratio(f.Reopened, f.FollowedUp)
}

// TicketReport is the report.
type TicketReport struct {
	From       string          `json:"from"`
	To         string          `json:"to"`
	TimeZone   string          `json:"time_zone"`
	ByCategory []TicketFigures `json:"by_category"`
	ByProject  []TicketFigures `json:"by_project"`
	ByDay      []TicketFigures `json:"by_day"`
	Total      TicketFigures   `json:"total"`
	// OverdueNow: every open ticket past its due time now, whenever it was created.
	OverdueNow int `json:"overdue_now"`
}

// TicketReport computes the report for tickets created on the days [from, to] (dates in loc).
func (db *DB) TicketReport(ctx context.Context, from, to string, loc *time.Location, scope TicketScope, now time.Time) (TicketReport, error) {
	rep := TicketReport{From: from, To: to, TimeZone: loc.String(), ByCategory: []TicketFigures{}, ByProject: []TicketFigures{}, ByDay: []TicketFigures{}}
	start, err := time.ParseInLocation(time.DateOnly, from, loc)
	if err != nil {
		return rep, ticketInvalid("from", "invalid_format", map[string]any{"format": "date", "value": from}, "not a date")
	}
	end, err := time.ParseInLocation(time.DateOnly, to, loc)
	if err != nil {
		return rep, ticketInvalid("to", "invalid_format", map[string]any{"format": "date", "value": to}, "not a date")
	}
	end = end.AddDate(0, 0, 1)
	w := &whereBuilder{}
	scope.where(w)
	nowArg := w.arg(now)
	base := w.sql()
	w.add("t.created_at >= " + w.arg(start))
	w.add("t.created_at < " + w.arg(end))
	zone := w.arg(loc.String())
	rows, err := db.Pool.Query(ctx, `SELECT t.category, coalesce(t.project_id, ''), to_char(t.created_at AT TIME ZONE `+zone+`, 'YYYY-MM-DD'),
			count(*), count(*) FILTER (WHERE t.status = 'closed'),
			count(*) FILTER (WHERE t.answered_at IS NOT NULL), count(*) FILTER (WHERE t.answered_on_time),
			count(*) FILTER (WHERE t.followups > 0), count(*) FILTER (WHERE t.reopen_count > 0),
			count(*) FILTER (WHERE t.status <> 'closed' AND t.answered_at IS NULL AND t.due_at <= `+nowArg+`)
		FROM tickets t`+w.sql()+` GROUP BY 1, 2, 3`, w.args...)
	if err != nil {
		return rep, err
	}
	defer rows.Close()
	cats, projs, days := map[string]*TicketFigures{}, map[string]*TicketFigures{}, map[string]*TicketFigures{}
	into := func(m map[string]*TicketFigures, k string, f TicketFigures) {
		if m[k] == nil {
			m[k] = &TicketFigures{Key: k}
		}
		m[k].add(f)
	}
	for rows.Next() {
		var cat, proj, day string
		var f TicketFigures
		if err := rows.Scan(&cat, &proj, &day, &f.Created, &f.Closed, &f.Answered, &f.AnsweredOnTime, &f.FollowedUp, &f.Reopened, &f.OverdueOpen); err != nil {
			return rep, err
		}
		into(cats, cat, f)
		into(projs, proj, f)
		into(days, day, f)
		rep.Total.add(f)
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	flat := func(m map[string]*TicketFigures) []TicketFigures {
		out := []TicketFigures{}
		for _, f := range m {
			f.rates()
			out = append(out, *f)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out
	}
	rep.ByCategory, rep.ByProject, rep.ByDay = flat(cats), flat(projs), flat(days)
	rep.Total.Key = "total"
	rep.Total.rates()
	cond := "t.status <> 'closed' AND t.answered_at IS NULL AND t.due_at <= " + nowArg
	if base == "" {
		base = " WHERE " + cond
	} else {
		base += " AND " + cond
	}
	err = db.Pool.QueryRow(ctx, `SELECT count(*) FROM tickets t`+base, w.args[:len(w.args)-3]...).Scan(&rep.OverdueNow)
	return rep, err
}
