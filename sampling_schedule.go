package callfloor

import (
	"strconv"
	"time"
)

// This file says which period a scheduled draw of a sample plan covers and with which seed.
//
// A plan's period is a day, an ISO week (Monday to Monday) or a calendar month of the centre's
// time zone. Its bounds are local midnights, so a day is 23 or 25 hours long across a change
// to or from summer time and a draw covers exactly the calls of that local day. (Where a zone
// skips midnight itself, the period starts at the first instant of the local day.)
//
// A scheduled draw covers the last whole period: the latest one that is over.

// Sample plan periods.
const (
	SamplePeriodDay   = "day"
	SamplePeriodWeek  = "week"  // ISO week: Monday 00:00 to the next Monday 00:00
	SamplePeriodMonth = "month" // calendar month
)

// SamplePeriod returns the period ([from, to), local midnights in loc) of the given kind that
// contains t. loc nil means UTC.
func SamplePeriod(period string, t time.Time, loc *time.Location) (from, to time.Time, err error) {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	switch period {
	case SamplePeriodDay:
		return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc), nil
	case SamplePeriodWeek:
		// days since Monday: Weekday counts from Sunday = 0
		back := (int(time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday()) + 6) % 7
		return time.Date(y, m, d-back, 0, 0, 0, 0, loc), time.Date(y, m, d-back+7, 0, 0, 0, 0, loc), nil
	case SamplePeriodMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc), nil
	}
	return time.Time{}, time.Time{}, invalid("period", "must be %q, %q or %q, got %q", SamplePeriodDay, SamplePeriodWeek, SamplePeriodMonth, period).With(CodeInvalidChoice, Params{"allowed": []string{SamplePeriodDay, SamplePeriodWeek, SamplePeriodMonth}, "value": period})
}

// LastWholeSamplePeriod returns the latest period of the given kind that is over at now
// (to ≤ now): yesterday, last week, last month.
func LastWholeSamplePeriod(period string, now time.Time, loc *time.Location) (from, to time.Time, err error) {
	cur, _, err := SamplePeriod(period, now, loc)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	// the instant before the current period belongs to the previous one, whose end is cur
	return SamplePeriod(period, cur.Add(-time.Nanosecond), loc)
}

// ScheduledDrawSeed is the seed of the scheduled draw of plan planID over the period starting
// at from: the 64-bit FNV-1a hash of "scheduled", the plan ID in decimal and from in UTC as
// RFC 3339, separated by NUL bytes, as a signed integer. Anyone can recompute it; it is also
// stored with the draw.
func ScheduledDrawSeed(planID int64, from time.Time) int64 {
	return int64(sampleHash("scheduled\x00" + strconv.FormatInt(planID, 10) + "\x00" + from.UTC().Format(time.RFC3339)))
}
