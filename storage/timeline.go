package storage

import (
	"context"
	"sort"
	"sync"
	"time"
)

// A customer's timeline (issue 14) gathers everything that happened with one phone number:
// calls, notes and dispositions, tickets, surveys, call-backs. Each feature contributes its own
// items through a TimelineSource registered at init; Timeline merges them newest first. The
// customer key is the number as callfloor.CanonicalPhone gives it (+86…), which is also how
// calls' numbers are stored.

// TimelineItem is one entry on a customer's timeline.
type TimelineItem struct {
	At     time.Time      `json:"at"`
	Kind   string         `json:"kind"`             // "call", "note", "disposition", "ticket", "survey", "callback", …
	Ref    string         `json:"ref"`              // the item's id in its own table (call id, ticket id …)
	Title  string         `json:"title"`            // a short line; codes, not translated text, where the UI translates
	Detail map[string]any `json:"detail,omitempty"` // the kind's own fields (agent, queue, status, answers …)
}

// TimelineSource returns a number's items at or before `before` (zero: no bound), newest first,
// at most limit.
type TimelineSource func(ctx context.Context, db *DB, phone string, before time.Time, limit int) ([]TimelineItem, error)

var (
	timelineMu      sync.Mutex
	timelineSources = map[string]TimelineSource{}
)

// RegisterTimelineSource adds a source under a name (one per feature; call it from init).
func RegisterTimelineSource(name string, src TimelineSource) {
	timelineMu.Lock()
	defer timelineMu.Unlock()
	if _, dup := timelineSources[name]; dup {
		panic("storage: timeline source registered twice: " + name)
	}
	timelineSources[name] = src
}

// Timeline returns the newest limit items of a number from every registered source, newest
// first (ties by kind, then ref, so that pages are stable).
func (db *DB) Timeline(ctx context.Context, phone string, before time.Time, limit int) ([]TimelineItem, error) {
	if limit <= 0 {
		limit = 50
	}
	timelineMu.Lock()
	names := make([]string, 0, len(timelineSources))
	for n := range timelineSources {
		names = append(names, n)
	}
	sort.Strings(names)
	srcs := make([]TimelineSource, len(names))
	for i, n := range names {
		srcs[i] = timelineSources[n]
	}
	timelineMu.Unlock()
	var all []TimelineItem
	for _, src := range srcs {
		items, err := src(ctx, db, phone, before, limit)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].At.Equal(all[j].At) {
			return all[i].At.After(all[j].At)
		}
		if all[i].Kind != all[j].Kind {
			return all[i].Kind < all[j].Kind
		}
		return all[i].Ref < all[j].Ref
	})
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}
