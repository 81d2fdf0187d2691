package dashboards_test

import (
	"net/http"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A knowledge-base category is deleted only when empty, or with its articles moved to another
// one; one with subcategories is refused; editors only; audited.
func TestKBCategoryDelete(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	id := func(m map[string]any) string { return itoa(int64(m["id"].(float64))) }
	cards := id(e.expect("qa", "POST", "/kb/categories", `{"name":"信用卡"}`, 201))
	loans := id(e.expect("qa", "POST", "/kb/categories", `{"name":"贷款"}`, 201))
	sub := id(e.expect("qa", "POST", "/kb/categories", `{"name":"房贷","parent_id":`+loans+`}`, 201))
	empty := id(e.expect("qa", "POST", "/kb/categories", `{"name":"旧分类"}`, 201))
	for _, title := range []string{"信用卡激活", "信用卡挂失"} {
		e.expect("qa", "POST", "/kb/articles", `{"title":"`+title+`","status":"published","category_id":`+cards+`}`, 201)
	}
	e.expect("ana", "DELETE", "/kb/categories/"+empty, "", http.StatusForbidden)
	e.expect("qa", "DELETE", "/kb/categories/"+empty, "", http.StatusOK)

	code, res := e.do("qa", "DELETE", "/kb/categories/"+cards, "")
	params, _ := res["params"].(map[string]any)
	if code != http.StatusConflict || res["code"] != storage.CodeKBCategoryNotEmpty || params["articles"] != 2.0 || params["value"] != "信用卡" {
		t.Fatalf("a category with articles: %d %v", code, res)
	}
	code, res = e.do("qa", "DELETE", "/kb/categories/"+loans, "")
	if code != http.StatusConflict || res["code"] != storage.CodeKBCategoryHasChildren {
		t.Fatalf("a category with a subcategory: %d %v", code, res)
	}
	for _, c := range []struct{ q, field, code string }{
		{"?move_to=" + cards, "move_to", callfloor.CodeNotAllowed},
		{"?move_to=999999", "move_to", callfloor.CodeUnknownRef},
		{"?move_to=x", "move_to", callfloor.CodeInvalidFormat},
	} {
		code, res := e.do("qa", "DELETE", "/kb/categories/"+cards+c.q, "")
		if code != http.StatusBadRequest || res["field"] != c.field || res["code"] != c.code {
			t.Errorf("%s: %d %v", c.q, code, res)
		}
	}
	res = e.expect("qa", "DELETE", "/kb/categories/"+cards+"?move_to="+sub, "", http.StatusOK)
	if res["articles_moved"] != 2.0 {
		t.Fatalf("moved: %v", res)
	}
	arts := e.expect("qa", "GET", "/kb/articles?category="+sub, "", http.StatusOK)["articles"].([]any)
	if len(arts) != 2 {
		t.Fatalf("%d articles in the new category, want 2", len(arts))
	}
	cats := e.expect("ana", "GET", "/kb/categories", "", http.StatusOK)["categories"].([]any)
	if len(cats) != 2 {
		t.Errorf("categories left %v, want 贷款 and 房贷", cats)
	}
	e.expect("qa", "DELETE", "/kb/categories/"+cards, "", http.StatusNotFound)
	if n := e.auditCount("kb_category_deleted", "qa"); n != 2 {
		t.Errorf("%d kb_category_deleted audit entries, want 2", n)
	}
}
