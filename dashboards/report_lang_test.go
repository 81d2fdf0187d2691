package dashboards_test

import (
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
)

// asciiWords finds English words (three letters or more) in a text.
var asciiWords = regexp.MustCompile(`[A-Za-z]{3,}`)

// The printable QA report and score sheets and their CSV headers are in the user's language:
// ?lang=zh-CN or Accept-Language zh gives Chinese headings and headers; English stays as it was.
func TestQAReportsInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	e := seedReports(t)
	// the English page and CSV keep their words
	_, _, en := e.get("qa", "/qa/reports?group=team&period=month&format=html"+reportRange)
	if !strings.Contains(en, `<html lang="en">`) || !strings.Contains(en, "QA report by team per month") || !strings.Contains(en, "33.33 % (of 3 evaluations)") {
		t.Errorf("English report:\n%s", en)
	}
	for _, ask := range []struct{ query, accept string }{{"&lang=zh-CN", ""}, {"", "zh-CN,zh;q=0.9,en;q=0.8"}} {
		resp, b := e.getFile("qa", "/qa/reports?group=team&period=month&format=html"+reportRange+ask.query, map[string]string{"Accept-Language": ask.accept})
		zh := string(b)
		if resp.StatusCode != 200 || !strings.Contains(zh, `<html lang="zh-CN">`) || !strings.Contains(zh, "质检报表（按班组，每月）") ||
			!strings.Contains(zh, "33.33 %（共 3 次评估）") || !strings.Contains(zh, "<th>平均分</th>") {
			t.Errorf("Chinese report (%+v): %d\n%s", ask, resp.StatusCode, zh)
		}
		// no English of the page's own: what is left is data (ids, the item's text), CSS and markup
		text := regexp.MustCompile(`(?s)<style>.*?</style>|<[^>]+>`).ReplaceAllString(zh, " ")
		for _, w := range asciiWords.FindAllString(text, -1) {
			switch w {
			case "team", "summary", "script", "alert", "Pacific", "Kiritimati", "UTC", "rep", "xss", "close", "Closes", "verify", "Verifies", "identity": // ids and item texts: data
			default:
				if !strings.Contains(w, "Etc") {
					t.Errorf("English word %q in the Chinese report", w)
				}
			}
		}
	}
	_, _, csvZH := e.get("qa", "/qa/reports?group=agent&period=week&format=csv&lang=zh-CN"+reportRange)
	recs, err := csv.NewReader(strings.NewReader(csvZH)).ReadAll()
	if err != nil || len(recs) < 2 || recs[0][0] != "分组" || recs[0][5] != "平均分" || strings.Contains(strings.Join(recs[0], ","), "_") {
		t.Errorf("Chinese CSV header: %v %v", err, recs)
	}
	_, _, csvEN := e.get("qa", "/qa/reports?group=agent&period=week&format=csv"+reportRange)
	if !strings.HasPrefix(csvEN, "group,key,period,evaluations,quota,avg_score,") {
		t.Errorf("English CSV header: %.200s", csvEN)
	}
	// the score sheet, both ways
	_, _, sheetZH := e.get("lead-a", "/qa/score-sheet?day=2026-11-18&format=html&lang=zh-CN")
	if !strings.Contains(sheetZH, "评分单：班组 team-a，2026-11-18，评估人 lead-a") || !strings.Contains(sheetZH, "致命") || strings.Contains(sheetZH, "FATAL") ||
		!strings.Contains(sheetZH, "已提交") {
		t.Errorf("Chinese score sheet:\n%s", sheetZH)
	}
	_, _, sheetCSV := e.get("lead-a", "/qa/score-sheet?day=2026-11-18&format=csv&lang=zh-CN")
	if !strings.HasPrefix(sheetCSV, "班组,日期,编号,通话,坐席,评估人,评分表") {
		t.Errorf("Chinese score-sheet CSV: %.200s", sheetCSV)
	}
	_, _, sheetEN := e.get("lead-a", "/qa/score-sheet?day=2026-11-18&format=csv")
	if !strings.HasPrefix(sheetEN, "team,day,id,call_id,agent_id,evaluator,scorecard_id") {
		t.Errorf("English score-sheet CSV: %.200s", sheetEN)
	}
}
