package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/callfloor/callfloor"
)

func testCard(id, name string) callfloor.Scorecard {
	return callfloor.Scorecard{ID: id, Name: name, Sections: []callfloor.Section{
		{ID: "open", Title: "Opening", Items: []callfloor.Item{
			{ID: "greet", Text: "Greets the caller", Kind: callfloor.ItemYesNo, Weight: 1},
			{ID: "tone", Text: "Tone", Kind: callfloor.ItemScale, Max: 5, Weight: 2},
		}},
	}}
}

func TestScorecardVersions(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()

	in := testCard("inbound", "Inbound calls")
	in.Version = 7 // ignored: creation is version 1
	v1, err := db.CreateScorecard(ctx, in, "qa")
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || v1.ID != "inbound" {
		t.Fatalf("created %+v", v1)
	}
	_, err = db.CreateScorecard(ctx, testCard("inbound", "Again"), "qa")
	wantCode(t, err, callfloor.ECONFLICT, "id")

	edit := testCard("", "Inbound calls (2026)")
	edit.Sections[0].Items[1].Max = 10
	edit.Sections[0].Items = append(edit.Sections[0].Items, callfloor.Item{ID: "close", Text: "Closes", Kind: callfloor.ItemYesNo, Weight: 1, Fatal: true})
	v2, err := db.UpdateScorecard(ctx, "inbound", edit, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.ID != "inbound" {
		t.Fatalf("edit gave %+v", v2)
	}

	// v1 is still exactly what was created; latest is v2
	got1, err := db.Scorecard(ctx, "inbound", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got1, v1) {
		t.Fatalf("v1 changed:\n%+v\nwant\n%+v", got1, v1)
	}
	latest, err := db.Scorecard(ctx, "inbound", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(latest, v2) || latest.Sections[0].Items[1].Max != 10 {
		t.Fatalf("latest %+v, want %+v", latest, v2)
	}
	// scoring against v1 still uses v1's form (max 5)
	yes, five := true, 5
	r, err := callfloor.Evaluate(&got1, []callfloor.Answer{{ItemID: "greet", Yes: &yes}, {ItemID: "tone", Value: &five}})
	if err != nil || r.ScoreFinal != 100 || r.Version != 1 {
		t.Fatalf("v1 evaluation %+v %v", r, err)
	}

	// invalid edits name the field and write nothing
	bad := testCard("inbound", "Broken")
	bad.Sections[0].Items[1].Max = 0
	_, err = db.UpdateScorecard(ctx, "inbound", bad, "qa")
	wantCode(t, err, callfloor.EINVALID, "sections[0].items[1].max")
	_, err = db.UpdateScorecard(ctx, "inbound", testCard("other", "Renamed id"), "qa")
	wantCode(t, err, callfloor.EINVALID, "id")
	_, err = db.UpdateScorecard(ctx, "nope", testCard("", "Missing"), "qa")
	wantCode(t, err, callfloor.ENOTFOUND, "")
	_, err = db.CreateScorecard(ctx, testCard("bad id/with slash", "x"), "qa")
	wantCode(t, err, callfloor.EINVALID, "id")
	_, err = db.Scorecard(ctx, "inbound", 3)
	wantCode(t, err, callfloor.ENOTFOUND, "")
	_, err = db.Scorecard(ctx, "nope", 0)
	wantCode(t, err, callfloor.ENOTFOUND, "")

	if _, err := db.CreateScorecard(ctx, testCard("chat", "Chat"), "qa"); err != nil {
		t.Fatal(err)
	}
	list, err := db.ListScorecards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "chat" || list[1].ID != "inbound" {
		t.Fatalf("list %+v", list)
	}
	if s := list[1]; s.Name != "Inbound calls (2026)" || s.LatestVersion != 2 || s.Versions != 2 || s.Retired || s.UpdatedBy != "ops" {
		t.Fatalf("summary %+v", s)
	}

	// retire: no new versions, still readable, listed as retired
	if err := db.RetireScorecard(ctx, "inbound", "qa"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.RetireScorecard(ctx, "inbound", "qa"), callfloor.ECONFLICT, "")
	wantCode(t, db.RetireScorecard(ctx, "nope", "qa"), callfloor.ENOTFOUND, "")
	_, err = db.UpdateScorecard(ctx, "inbound", testCard("inbound", "After"), "qa")
	wantCode(t, err, callfloor.ECONFLICT, "")
	_, err = db.CreateScorecard(ctx, testCard("inbound", "Reuse"), "qa")
	wantCode(t, err, callfloor.ECONFLICT, "id")
	if got, err := db.Scorecard(ctx, "inbound", 1); err != nil || !reflect.DeepEqual(got, v1) {
		t.Fatalf("retired v1: %+v %v", got, err)
	}
	list, _ = db.ListScorecards(ctx)
	if !list[1].Retired || list[1].LatestVersion != 2 || list[0].Retired {
		t.Fatalf("after retire %+v", list)
	}
}

// Concurrent edits each get their own version, none lost.
func TestScorecardConcurrentEdits(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	if _, err := db.CreateScorecard(ctx, testCard("c", "C"), "qa"); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	versions := make(chan int, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			c, err := db.UpdateScorecard(ctx, "c", testCard("c", fmt.Sprintf("C%d", i)), "qa")
			if err != nil {
				errs <- err
				return
			}
			versions <- c.Version
		})
	}
	wg.Wait()
	close(versions)
	close(errs)
	for err := range errs {
		// a storm of edits may exhaust the retries; it must say so, not lose or overwrite
		wantCode(t, err, callfloor.ECONFLICT, "")
	}
	seen := map[int]bool{}
	for v := range versions {
		if seen[v] || v < 2 {
			t.Fatalf("version %d twice or out of range", v)
		}
		seen[v] = true
	}
	list, err := db.ListScorecards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list[0].LatestVersion != 1+len(seen) || list[0].Versions != 1+len(seen) {
		t.Fatalf("%d successful edits, summary %+v", len(seen), list[0])
	}
}
