package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// The side navigation for each role (agent, team lead, QA, operations manager, admin) in both
// languages at 1280×720 and 1920×1080, and as a drawer on a narrow window: the menu keeps to its
// column (nothing of it over the page), scrolls on its own when longer than the window, and opens
// the group of the page on screen. Screenshots go to /tmp/shots-ui-nav. Slow (five logins, twenty
// shots): run with CALLFLOOR_NAV_SHOTS=1 go test -run TestBrowserNavShots ./cmd/callfloor/.
func TestBrowserNavShots(t *testing.T) {
	if os.Getenv("CALLFLOOR_NAV_SHOTS") == "" {
		t.Skip("set CALLFLOOR_NAV_SHOTS=1 for the navigation's screenshots")
	}
	ctx := newBrowser(t)
	m, base, _ := startDemo(t, 5)
	const pw = "a long enough password"
	bg := context.Background()
	if err := seedDemo(bg, m.DB, m.Config, pw, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := m.DB.CreateUser(bg, storage.NewUser{Username: "zhou", DisplayName: "周敏", Password: pw, Role: callfloor.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	shots := "/tmp/shots-ui-nav"
	if os.MkdirAll(shots, 0o755) != nil {
		shots = artifactsDir(t)
	}
	// the menu's column ends where the page begins; the menu scrolls inside its column
	const geometry = `(() => { const n = document.querySelector('.sidenav'), c = document.querySelector('main.content');
		if (!n || !c) return "no menu or page";
		const nr = n.getBoundingClientRect(), cr = c.getBoundingClientRect();
		if (nr.right > cr.left + 1) return "the menu reaches over the page: " + nr.right + " > " + cr.left;
		if (nr.bottom > innerHeight + 1) return "the menu runs below the window: " + nr.bottom;
		const hit = document.elementFromPoint(cr.left + 20, innerHeight - 20);
		if (hit && n.contains(hit)) return "the menu covers the page";
		return "" })()`
	for _, who := range []struct{ user, page, group string }{
		{"ana", "/desktop", "floor"}, {"lee", "/qa/score-sheet", "qa"}, {"quinn", "/qa/plans", "qa"},
		{"olga", "/attendance", "workforce"}, {"zhou", "/admin", "manage"},
	} {
		tab := newTab(t, ctx)
		loginUI(t, tab, base, who.user, pw, "btn-signout")
		for _, lang := range []string{"en", "zh-CN"} {
			if lang != "en" {
				switchLang(t, tab, lang)
			}
			for _, size := range [][2]int64{{1280, 720}, {1920, 1080}} {
				do(t, tab, "viewport", chromedp.EmulateViewport(size[0], size[1]))
				do(t, tab, "open "+who.page, chromedp.Navigate(base+who.page), chromedp.WaitVisible(chromedp.CSS(".sidenav")))
				waitFor(t, tab, 10*time.Second, who.group+" open on "+who.page, func() bool {
					return present(tab, "navgroup-"+who.group) && count(tab, `[data-testid="navgroup-`+who.group+`"].is-opened`) == 1
				})
				if msg, err := chromedp.Run(tab, chromedp.Evaluate[string](geometry)); err != nil || msg != "" {
					t.Errorf("%s %s %dx%d: %s %v", who.user, lang, size[0], size[1], msg, err)
				}
				screenshot(t, tab, shots, fmt.Sprintf("nav-%s-%s-%d.png", who.user, lang, size[0]))
			}
			// a narrow window: no side column, the menu in a drawer from the top bar
			do(t, tab, "narrow", chromedp.EmulateViewport(760, 900))
			do(t, tab, "open the drawer", chromedp.WaitVisible(byTestID("btn-nav-toggle")), chromedp.Click(byTestID("btn-nav-toggle")),
				chromedp.WaitVisible(chromedp.CSS(".nav-drawer .sidenav-menu")))
			if entry := map[string]string{"ana": "desktop", "lee": "qa-score-sheet", "quinn": "qa-plans", "olga": "attendance", "zhou": "admin"}[who.user]; !visible(tab, "nav-"+entry) {
				t.Errorf("%s %s: the drawer does not show the page's entry", who.user, lang)
			}
			screenshot(t, tab, shots, fmt.Sprintf("nav-%s-%s-narrow.png", who.user, lang))
			do(t, tab, "close the drawer", chromedp.KeyEvent("\x1b"))
			do(t, tab, "wide again", chromedp.EmulateViewport(1280, 720))
		}
	}
}
