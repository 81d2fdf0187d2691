package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The forecast and staffing page over the demo's history, in English and in Chinese: the three
// charts render (canvas drawn), the method and basis are named, switching the queue uses that
// queue's stored shrinkage (support: 35 %), switching to yesterday reports MAPE and WAPE with
// their denominators against the forecast saved for it.
func TestBrowserForecastPage(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, fx := startDemoOn(t, &demoHistoryDB, 5) // seedDemo, 5 weeks of history before fx.Now
	artifacts := artifactsDir(t)
	const pw = demoFixturePassword
	bg := context.Background()
	if err := seedDemoForecast(bg, m.DB, m.Config, fx.Now, io.Discard); err != nil {
		t.Fatal(err)
	}
	drawn := func(id string) bool { return count(ctx, `[data-testid="`+id+`"] canvas`) > 0 }
	charts := func(what string) {
		t.Helper()
		waitFor(t, ctx, 30*time.Second, what+": the three charts drawn", func() bool {
			return drawn("fc-chart-volume") && drawn("fc-chart-staffing") && drawn("fc-chart-heatmap")
		})
		if present(ctx, "fc-msg") {
			t.Fatalf("%s: error %q", what, textOf(ctx, "fc-msg"))
		}
	}
	has := func(id, want string) func() bool {
		return func() bool { return strings.Contains(textOf(ctx, id), want) }
	}
	scrollTo := func(id string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('[data-testid="`+id+`"]').scrollIntoView({block: "center"}), true)`)); err != nil {
			t.Fatalf("scroll to %s: %v", id, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	pageFor := func(lang, sameWeekday, shrinkSupport, mape, saved string) {
		t.Helper()
		do(t, ctx, "open the forecast page", chromedp.Navigate(base+"/forecast"), chromedp.WaitVisible(byTestID("fc-run")))
		waitFor(t, ctx, 30*time.Second, "billing's forecast", func() bool { return present(ctx, "fc-method") })
		charts(lang + " billing today")
		waitFor(t, ctx, 10*time.Second, "the method named", has("fc-method", sameWeekday))
		if b := textOf(ctx, "fc-basis"); strings.Count(b, "-") < 4 {
			t.Errorf("%s basis %q: want the history days named", lang, b)
		}
		screenshot(t, ctx, artifacts, "forecast-today-"+lang+".png")
		// the heatmap's today: the intraday re-forecast, said on the page; the switch gives the morning's forecast back
		heatKind := func(kind string) {
			t.Helper()
			waitFor(t, ctx, 20*time.Second, "the heatmap's today from the "+kind+" forecast", func() bool {
				return attr(ctx, "fc-heat-source", "data-kind") == kind && has("fc-heat-source", map[string]string{"en": "intraday re-forecast", "zh": "日内重预测"}[lang])()
			})
		}
		heatKind("intraday")
		jsClick(t, ctx, "fc-heat-intraday")
		heatKind("morning")
		jsClick(t, ctx, "fc-heat-intraday")
		heatKind("intraday")
		elSelect(t, ctx, "fc-queue", "support")
		waitFor(t, ctx, 20*time.Second, "support's stored shrinkage in the note", has("fc-staffing-note", shrinkSupport))
		charts(lang + " support today")
		do(t, ctx, "yesterday", chromedp.Click(byTestID("fc-prev")))
		waitFor(t, ctx, 20*time.Second, "yesterday's accuracy", func() bool { return present(ctx, "fc-mape") && has("fc-mape", mape)() })
		charts(lang + " support yesterday")
		if a := textOf(ctx, "fc-accuracy"); !strings.Contains(a, saved) {
			t.Errorf("%s accuracy %q: want it against the saved forecast (%q)", lang, a, saved)
		}
		time.Sleep(500 * time.Millisecond) // the charts' first frame
		screenshot(t, ctx, artifacts, "forecast-yesterday-"+lang+".png")
		scrollTo("fc-chart-heatmap")
		screenshot(t, ctx, artifacts, "forecast-heatmap-"+lang+".png")
	}
	loginUI(t, ctx, base, "olga", pw, "btn-signout")
	do(t, ctx, "the navigation entry", openNav("nav-forecast"))
	pageFor("en", "same weekday", "35.0 %", "intervals with calls", "Against the forecast saved")
	switchLang(t, ctx, "zh-CN")
	pageFor("zh", "同一星期几", "35.0 %", "个有来电的时段", "保存的预测")
}
