package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
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
	pipe.Incr(ctx, s.k("campgen"))
}

// CampaignGeneration is a counter moved by every change to a campaign tile's data outside the
// change stream (a desk conversion, a campaign's live info changing on a dialler pass); the
// hub reads it every campaignPollEvery and re-reads the campaigns when it moved (P campgen).
func (s *Store) CampaignGeneration(ctx context.Context) (int64, error) {
	n, err := s.rdb.Get(ctx, s.k("campgen")).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
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

// CampaignLive is what the wallboard shows of a campaign besides its counters: the dialler
// refreshes it on every pass (it reads the campaign and its leads from PostgreSQL anyway; a
// wallboard never does) and it expires two minutes after the last refresh, so a campaign whose
// dialler stopped drops off the wall.
type CampaignLive struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Project       string    `json:"project,omitempty"`
	Teams         []string  `json:"teams,omitempty"`
	Status        string    `json:"status"` // running, paused, …
	Mode          string    `json:"mode"`
	LeadsLeft     int64     `json:"leads_left"`     // leads not done (new, scheduled, call-back, dialling)
	LeadsDue      int64     `json:"leads_due"`      // of them, due now
	DialTarget    int       `json:"dial_target"`    // the day's targets (0: none)
	ConnectTarget int       `json:"connect_target"` // connected calls
	DropTarget    float64   `json:"drop_target"`    // dropped ÷ answered over the day
	AgentsOn      int       `json:"agents_on"`      // logged in and serving it
	Ringing       int       `json:"ringing"`        // dials in progress
	UpdatedAt     time.Time `json:"updated_at"`
}

// campaignLiveTTL: a campaign not refreshed for this long is gone from the wall.
const campaignLiveTTL = 2 * time.Minute

// SetCampaignLive stores a campaign's live info (P camplive:{id}, in the set P camplive). When
// anything but its refresh time changed (leads left the hopper, an agent logged in) it moves the
// campaign generation, so the wallboards show it within a second rather than at their resync.
func (s *Store) SetCampaignLive(ctx context.Context, c CampaignLive) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	pipe := s.rdb.TxPipeline()
	old := pipe.SetArgs(ctx, s.k("camplive", c.ID), b, redis.SetArgs{TTL: campaignLiveTTL, Get: true})
	pipe.SAdd(ctx, s.k("camplive"), c.ID)
	if _, err = pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	var prev CampaignLive
	if ob, err := old.Bytes(); err == nil && json.Unmarshal(ob, &prev) == nil {
		prev.UpdatedAt, c.UpdatedAt = time.Time{}, time.Time{}
		if reflect.DeepEqual(prev, c) {
			return nil
		}
	}
	return s.rdb.Incr(ctx, s.k("campgen")).Err()
}

// CampaignsLive returns the campaigns refreshed within the last two minutes, by id.
func (s *Store) CampaignsLive(ctx context.Context) ([]CampaignLive, error) {
	ids, err := s.rdb.SMembers(ctx, s.k("camplive")).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	sort.Strings(ids)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.k("camplive", id)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, err
	}
	var out []CampaignLive
	for i, v := range vals {
		str, ok := v.(string)
		if !ok { // expired: forget it
			s.rdb.SRem(ctx, s.k("camplive"), ids[i])
			continue
		}
		var c CampaignLive
		if err := json.Unmarshal([]byte(str), &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
