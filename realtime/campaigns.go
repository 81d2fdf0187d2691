package realtime

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// An outbound campaign's live counters (issue 13): the dialler counts its dials and what became
// of them, the agent's desk counts conversions, and the wallboard's campaign tiles read them.
// Cohort: the day (in the centre's time zone) the dial was placed. A team's share is counted
// under "t:{team}:{field}" in the same hash as soon as the dial has an agent (connected calls,
// their talk time, conversions); dials and drops have no agent and belong to the campaign only.
const (
	CampDials     = "dials"     // dials placed
	CampAnswered  = "answered"  // the customer picked up (connected + dropped)
	CampConnected = "connected" // answered and talked with an agent
	CampDropped   = "dropped"   // answered with no agent free: the message was played and the call ended
	CampTalkMs    = "talk_ms"   // connected calls' talk time, counted when each call ends
	CampSuccess   = "success"   // conversions: dispositions that count as a success
	CampBusy      = "busy"      // dial results nobody talked on
	CampNoAnswer  = "no_answer"
	CampUnalloc   = "unallocated"
	CampSwitchOff = "switched_off"
	CampFailed    = "failed"
)

// campaignDayTTL keeps a campaign's day counters a week, as the queues'.
const campaignDayTTL = 8 * 24 * time.Hour

func (s *Store) campaignKey(campaign string, day time.Time) string {
	return s.k("cc", campaign, s.Day(day))
}

func (s *Store) campaignInc(ctx context.Context, pipe redis.Pipeliner, campaign, team string, day time.Time, inc map[string]int64) {
	key := s.campaignKey(campaign, day)
	for f, v := range inc {
		pipe.HIncrBy(ctx, key, f, v)
		if team != "" {
			pipe.HIncrBy(ctx, key, "t:"+team+":"+f, v)
		}
	}
	pipe.Expire(ctx, key, campaignDayTTL)
}

// IncrCampaign adds to a campaign's counters of the day of at (and to team's share, unless team
// is ""), outside a call's save: the desk's conversions.
func (s *Store) IncrCampaign(ctx context.Context, campaign, team string, at time.Time, inc map[string]int64) error {
	pipe := s.rdb.TxPipeline()
	s.campaignInc(ctx, pipe, campaign, team, at, inc)
	_, err := pipe.Exec(ctx)
	return err
}

// CampaignFigures are a campaign's counters of one day: the whole campaign and each team's share.
type CampaignFigures struct {
	Total map[string]int64            `json:"total"`
	Teams map[string]map[string]int64 `json:"teams"`
}

// CampaignCounters reads a campaign's counters of the day of day.
func (s *Store) CampaignCounters(ctx context.Context, campaign string, day time.Time) (CampaignFigures, error) {
	raw, err := s.hashInts(ctx, s.campaignKey(campaign, day))
	if err != nil {
		return CampaignFigures{}, err
	}
	f := CampaignFigures{Total: map[string]int64{}, Teams: map[string]map[string]int64{}}
	for k, v := range raw {
		if rest, ok := strings.CutPrefix(k, "t:"); ok {
			if i := strings.LastIndexByte(rest, ':'); i > 0 {
				team, field := rest[:i], rest[i+1:]
				if f.Teams[team] == nil {
					f.Teams[team] = map[string]int64{}
				}
				f.Teams[team][field] = v
				continue
			}
		}
		f.Total[k] = v
	}
	return f, nil
}
