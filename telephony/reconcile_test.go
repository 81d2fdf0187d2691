package telephony_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony/sim"
)

// Bridges of ours left on Asterisk by calls that are over (callfloor stopped between a call's
// end and the bridge's destruction) are destroyed when callfloor connects; a live call's bridge
// and bridges that are not ours stay.
func TestReconcileDestroysOrphanBridges(t *testing.T) {
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales"})
	live := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call
	f.stop()
	ctx := context.Background()
	for _, id := range []string{"cf-1a2b3c-mix", "cf-1a2b3c-hold", "cf-1a2b3c-m1", "someone-elses"} {
		if _, err := f.client.CreateBridge(ctx, id, "mixing", "left over"); err != nil {
			t.Fatal(err)
		}
	}
	f.start()
	testenv.Eventually(t, 5*time.Second, "the orphan bridges destroyed", func() bool {
		bs, err := f.client.ListBridges(ctx)
		if err != nil {
			return false
		}
		var ids []string
		for _, b := range bs {
			ids = append(ids, b.ID)
		}
		return !slices.Contains(ids, "cf-1a2b3c-mix") && !slices.Contains(ids, "cf-1a2b3c-hold") && !slices.Contains(ids, "cf-1a2b3c-m1") &&
			slices.Contains(ids, "someone-elses") && slices.Contains(ids, live.MixBridge)
	})
	if m := f.sim.BridgeMembers(live.MixBridge); len(m) != 2 {
		t.Errorf("the live call's bridge holds %v", m)
	}
}
