package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The live connection in the browser follows the user's credentials: a supervisor made an
// agent lands on the agent desktop (re-scoped, live again) without reloading by hand; once
// disabled, the page goes to the login page and says why, instead of reconnecting in a loop.
func TestBrowserLiveFollowsRoleChangeAndDisable(t *testing.T) {
	t.Parallel()
	ctx, _, base, tok, sueID := demoWithSupervisor(t)
	v1 := base + "/api/v1"
	loginUI(t, ctx, base, "sue", supervisorPassword, "tile-sales")
	waitFor(t, ctx, 10*time.Second, "the wallboard live", func() bool { return textOf(ctx, "live-status") == "Live" })

	if code, body := api(t, "PUT", fmt.Sprintf("%s/users/%d", v1, sueID), tok, `{"role":"agent","agent_id":"1001","team_id":"team-a"}`); code != 200 {
		t.Fatalf("role change: %d %v", code, body)
	}
	waitFor(t, ctx, 10*time.Second, "the agent desktop, live", func() bool {
		path, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
		return path == "/desktop" && visible(ctx, "my-state") && textOf(ctx, "live-status") == "Live"
	})
	if visible(ctx, "nav-wallboard") {
		t.Errorf("the wallboard is still offered to an agent")
	}

	if code, body := api(t, "PUT", fmt.Sprintf("%s/users/%d", v1, sueID), tok, `{"disabled":true}`); code != 200 {
		t.Fatalf("disable: %d %v", code, body)
	}
	waitFor(t, ctx, 10*time.Second, "the login page saying the account is disabled", func() bool {
		return visible(ctx, "login-username") && strings.Contains(textOf(ctx, "login-notice"), "Your account has been disabled")
	})
	screenshot(t, ctx, artifactsDir(t), "live-disabled-login.png")
}
