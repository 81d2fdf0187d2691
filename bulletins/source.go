package bulletins

import (
	"context"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// ReportSource is Source on the report engine (storage.DB.ProductionReport, from the rollups):
// the bulletins' history figures are the production reports' figures, with the same
// definitions (metrics.md) and attribution (a call belongs to the interval it entered; an
// outbound call to its agent's team's project).
//
// The engine counts whole 15-minute intervals: a period's end is taken up to the end of its
// interval, as a report's interval in progress holds every call that entered in it so far (a
// bulletin at 10:00 compares with yesterday until 10:00, one at 10:05 with yesterday until
// 10:15).
type ReportSource struct {
	DB  *storage.DB
	Loc func() *time.Location // the centre's zone (nil: UTC)
}

func (s ReportSource) filter(project *string, from, to time.Time, group string) storage.ProductionFilter {
	loc := time.UTC
	if s.Loc != nil {
		if l := s.Loc(); l != nil {
			loc = l
		}
	}
	from = from.Truncate(storage.BucketSize)
	if t := to.Truncate(storage.BucketSize); t.Before(to) {
		to = t.Add(storage.BucketSize)
	}
	f := storage.ProductionFilter{From: from, To: to, Loc: loc, Interval: storage.IntervalRange, Group: group}
	if project != nil {
		f.Projects = []string{*project}
	}
	return f
}

// Figures: inbound calls that entered in [from, to) (offered, answered, abandons but the short
// ones, service level, abandon rate and AHT as the reports take them), outbound dials, connects
// and talk minutes.
func (s ReportSource) Figures(ctx context.Context, project *string, from, to time.Time) (Figures, error) {
	var f Figures
	if !to.After(from) {
		return f, nil
	}
	res, err := s.DB.ProductionReport(ctx, s.filter(project, from, to, storage.GroupDirection))
	if err != nil {
		return f, err
	}
	for _, c := range res.Cells {
		fig := c.Parts.Figures()
		switch c.Key {
		case string(callfloor.Inbound):
			f.Offered, f.Answered, f.Abandoned = fig.Offered, fig.Answered, fig.Abandoned-fig.ShortAbandoned
			f.ServiceLevel, f.AbandonRate, f.AHT = fig.ServiceLevel, fig.AbandonRate, fig.AHT
		case string(callfloor.Outbound):
			f.Dials, f.Connects, f.TalkMinutes = fig.OutboundDials, fig.OutboundConnects, fig.OutboundTalkMinutes
		}
	}
	return f, nil
}

// OutboundTeams: each team's outbound dials and connects in [from, to) (a call's team is its
// agent's).
func (s ReportSource) OutboundTeams(ctx context.Context, project *string, from, to time.Time) ([]TeamOutbound, error) {
	if !to.After(from) {
		return nil, nil
	}
	f := s.filter(project, from, to, storage.GroupTeam)
	f.Direction = string(callfloor.Outbound)
	res, err := s.DB.ProductionReport(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []TeamOutbound
	for _, c := range res.Cells {
		if c.Key == "" || c.Parts.Dials == 0 {
			continue
		}
		out = append(out, TeamOutbound{Team: c.Key, Dials: c.Parts.Dials, Connects: c.Parts.Connects})
	}
	return out, nil
}

// Campaigns: the outbound campaigns' figures of [from, to) of the project's campaigns (nil: every
// campaign), the outbound report's; nil when none dialled.
func (s ReportSource) Campaigns(ctx context.Context, project *string, from, to time.Time) (*storage.OutboundSummary, error) {
	if !to.After(from) {
		return nil, nil
	}
	f := s.filter(project, from, to, storage.GroupNone)
	return s.DB.OutboundSummary(ctx, from, to, f.Loc, f.Projects, "")
}
