package callfloor

import (
	"testing"
	"time"
)

// FreeAt: a number at the day's cap frees at the next local midnight; at the week's cap, when
// enough of its attempts are 7 days old; both: the later; under both caps: now.
func TestFrequencyCapFreeAt(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	fc := FrequencyCap{PerDay: 3, PerWeek: 10}
	now := time.Date(2026, 12, 4, 15, 0, 0, 0, sh)
	at := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, sh) }
	if got := fc.FreeAt([]time.Time{at(4, 9), at(4, 10)}, now, sh); !got.Equal(now) {
		t.Errorf("two today: free at %v, want now", got)
	}
	if got, want := fc.FreeAt([]time.Time{at(4, 9), at(4, 10), at(4, 11)}, now, sh), at(5, 0); !got.Equal(want) {
		t.Errorf("three today: free at %v, want %v (local midnight)", got, want)
	}
	// ten in the week (two a day on Nov 28 – Dec 2): the oldest two age out on Dec 5 and 6 at 9:00
	var week []time.Time
	for d := 28; d <= 32; d++ {
		day := time.Date(2026, 11, d, 9, 0, 0, 0, sh)
		week = append(week, day, day.Add(time.Hour))
	}
	if got, want := fc.FreeAt(week, now, sh), time.Date(2026, 12, 5, 9, 0, 0, 0, sh); !got.Equal(want) {
		t.Errorf("ten this week: free at %v, want %v", got, want)
	}
	if !fc.Allows(week, fc.FreeAt(week, now, sh), sh) {
		t.Error("not allowed at its FreeAt")
	}
	// the week's cap frees before midnight, the day's binds: midnight
	both := append(week[2:], at(4, 9), at(4, 10), at(4, 11))
	if got := fc.FreeAt(both, now, sh); got.Before(at(5, 0)) || !fc.Allows(both, got, sh) {
		t.Errorf("both caps: free at %v", got)
	}
	if got := (FrequencyCap{}).FreeAt(both, now, sh); !got.Equal(now) {
		t.Errorf("no cap: %v", got)
	}
}
