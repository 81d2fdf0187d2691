package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/storage"
)

// TestReportReadsAreReadOnly: every read routed through DB.Reports() (the reports replica of
// reports_database_url) runs in a read-only pool: none of them writes, so none fails on a
// replica. The pool refuses a write.
func TestReportReadsAreReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, url := testdb.Open(t)
	rep, err := storage.OpenReports(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	db.UseReports(rep)
	defer db.Close()
	r := db.Reports()
	if r != rep {
		t.Fatal("Reports() is not the reports pool")
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 0, 7)
	for _, iv := range storage.ProductionIntervals {
		for _, src := range []string{"", storage.SourceRaw} {
			if _, err := r.ProductionReport(ctx, storage.ProductionFilter{From: from, To: to, Loc: loc, Interval: iv, Group: storage.GroupAgent, Source: src}); err != nil {
				t.Errorf("production report %s %q on the read-only pool: %v", iv, src, err)
			}
		}
	}
	for _, iv := range storage.OutboundIntervals {
		if _, err := r.OutboundReport(ctx, storage.OutboundFilter{From: from, To: to, Loc: loc, Interval: iv, Group: storage.GroupCampaign}); err != nil {
			t.Errorf("outbound report %s on the read-only pool: %v", iv, err)
		}
	}
	if _, err := r.QAReport(ctx, storage.QAReportFilter{Group: storage.GroupAgent, Period: storage.PeriodWeek, From: from, To: to, Loc: loc}); err != nil {
		t.Errorf("QA report on the read-only pool: %v", err)
	}
	if _, err := r.ReportDirectory(ctx); err != nil {
		t.Errorf("report directory on the read-only pool: %v", err)
	}
	if _, err := r.ListCampaigns(ctx); err != nil {
		t.Errorf("campaigns on the read-only pool: %v", err)
	}
	if _, _, err := r.SearchCalls(ctx, storage.CallFilter{From: from, To: to, Limit: 50}); err != nil {
		t.Errorf("call search on the read-only pool: %v", err)
	}
	if _, err := r.Pool.Exec(ctx, `INSERT INTO audit_log (actor, action) VALUES ('x', 'x')`); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("a write through the reports pool: %v, want a read-only refusal", err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO audit_log (actor, action) VALUES ('x', 'x')`); err != nil {
		t.Errorf("a write through the primary pool: %v", err)
	}
}
