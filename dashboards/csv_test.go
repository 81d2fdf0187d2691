package dashboards

import (
	"reflect"
	"testing"
)

// A cell a spreadsheet would run as a formula is defused; numbers, negative ones included, stay.
func TestCSVSafe(t *testing.T) {
	t.Parallel()
	got := csvSafe([][]string{{"=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "\tx", "-5", "-2.31", "-cmd", "ok", "", "a=b"}})
	want := [][]string{{"'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)", "'\tx", "-5", "-2.31", "'-cmd", "ok", "", "a=b"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("csvSafe = %q\nwant %q", got, want)
	}
}
