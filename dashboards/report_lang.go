package dashboards

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The printable QA report and score sheets and their CSV headers come in the user's language:
// the lang query parameter ("en", "zh-CN"), else the request's Accept-Language (any zh: Chinese),
// else English. The data (ids, names, item texts) stays as stored.

const (
	langEN = "en"
	langZH = "zh-CN"
)

// reportLang is the language of a report request.
func reportLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l != "" {
		if strings.HasPrefix(strings.ToLower(l), "zh") {
			return langZH
		}
		return langEN
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "zh"):
			return langZH
		case strings.HasPrefix(tag, "en"):
			return langEN
		}
	}
	return langEN
}

// reportText is the catalogue: English, and Chinese with the UI's terms (坐席, 班组, 质检…).
var reportText = map[string][2]string{
	"html.lang":            {"en", "zh-CN"},
	"report.title":         {"QA report by %s per %s", "质检报表（按%s，每%s）"},
	"report.trend":         {"Trend", "趋势"},
	"report.none":          {"No evaluations.", "没有评估。"},
	"sheet.title":          {"Score sheet %s %s", "评分单 %s %s"},
	"sheet.h1":             {"Score sheet: team %s, %s", "评分单：班组 %s，%s"},
	"sheet.by":             {", by %s", "，评估人 %s"},
	"sheet.sent_by":        {", sent by %s", "，由 %s 提交"},
	"sheet.summary":        {"%d evaluations of a quota of %d; average score %s; %d fatal.", "已评估 %d 次，配额 %d；平均分 %s；致命项 %d 次。"},
	"sheet.sent":           {"Sent %s: ", "提交于 %s："},
	"sheet.note":           {"Note: %s", "备注：%s"},
	"sheet.now":            {"The evaluations as they are now (a dispute decided since may have changed a score):", "评估的当前状态（此后裁定的申诉可能已改变分数）："},
	"fatal":                {"FATAL", "致命"},
	"col.group":            {"group", "分组"},
	"col.key":              {"key", "对象"},
	"col.period":           {"period", "周期"},
	"col.evaluations":      {"evaluations", "评估次数"},
	"col.quota":            {"quota", "配额"},
	"col.avg_score":        {"average score", "平均分"},
	"col.fatal_rate":       {"fatal-item rate", "致命项比率"},
	"col.fatal_rate_pct":   {"fatal-item rate %", "致命项比率 %"},
	"col.fatal_count":      {"fatal count", "致命项次数"},
	"col.fatal_den":        {"fatal denominator", "致命项分母"},
	"col.fatal_text":       {"fatal-item rate (text)", "致命项比率（文字）"},
	"col.nonfatal_rate":    {"non-fatal-item rate", "非致命项比率"},
	"col.nonfatal_pct":     {"non-fatal-item rate %", "非致命项比率 %"},
	"col.nonfatal_errors":  {"non-fatal errors", "非致命错误"},
	"col.nonfatal_den":     {"non-fatal denominator", "非致命项分母"},
	"col.nonfatal_text":    {"non-fatal-item rate (text)", "非致命项比率（文字）"},
	"col.top_failed":       {"most-failed items", "失分最多的评分项"},
	"col.disputed":         {"disputed", "申诉数"},
	"col.dispute_rate":     {"dispute rate", "申诉率"},
	"col.decided":          {"decided", "已裁定"},
	"col.overturned":       {"overturned", "已改判"},
	"col.overturn_rate":    {"overturn rate", "改判率"},
	"col.team":             {"team", "班组"},
	"col.day":              {"day", "日期"},
	"col.id":               {"#", "编号"},
	"col.call":             {"call", "通话"},
	"col.agent":            {"agent", "坐席"},
	"col.evaluator":        {"evaluator", "评估人"},
	"col.scorecard":        {"scorecard", "评分表"},
	"col.scorecard_ver":    {"scorecard version", "评分表版本"},
	"col.raw":              {"raw", "原始分"},
	"col.final":            {"final", "最终分"},
	"col.fatal":            {"fatal", "致命项"},
	"col.comments":         {"comments", "评语数"},
	"col.status":           {"status", "状态"},
	"col.created_at":       {"created at", "创建时间"},
	"group.agent":          {"agent", "坐席"},
	"group.team":           {"team", "班组"},
	"group.queue":          {"queue", "队列"},
	"group.evaluator":      {"evaluator", "评估人"},
	"group.all":            {"all", "全部"},
	"period.day":           {"day", "日"},
	"period.week":          {"week", "周"},
	"period.month":         {"month", "月"},
	"status.submitted":     {"submitted", "已提交"},
	"status.acknowledged":  {"acknowledged", "已确认"},
	"status.disputed":      {"disputed", "申诉中"},
	"status.decided":       {"decided", "已裁定"},
	"rate.na":              {"n/a", "不适用"},
	"rate.of":              {"%s (of %d %s)", "%s（共 %d %s）"},
	"den.evaluations":      {"evaluations", "次评估"},
	"den.decided disputes": {"decided disputes", "次已裁定申诉"},
	"den.non-fatal items":  {"non-fatal items", "个非致命项"},
}

// tr is key in lang, formatted with args; an unknown key is itself (the value as stored).
func tr(lang, key string, args ...any) string {
	t, ok := reportText[key]
	if !ok {
		return key
	}
	s := t[0]
	if lang == langZH {
		s = t[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// trWord is a stored word (a group, period or status) in lang: prefix+word's translation, or the
// word itself.
func trWord(lang, prefix, word string) string {
	if _, ok := reportText[prefix+word]; ok {
		return tr(lang, prefix+word)
	}
	return word
}

// trRate is a rate as its Text says it, in lang.
func trRate(lang string, r storage.QARate) string {
	if lang != langZH {
		return r.Text
	}
	if r.Percent == nil {
		return tr(lang, "rate.na")
	}
	return tr(lang, "rate.of", callfloor.FormatPercent(*r.Percent/100, true), r.Denominator, trWord(lang, "den.", r.DenominatorName))
}

// trHeader translates a CSV header row (keys of reportText).
func trHeader(lang string, keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = tr(lang, k)
	}
	return out
}
