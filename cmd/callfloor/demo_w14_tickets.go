package main

// The demo's tickets (issue 14): complaints, repairs, difficult cases and enquiries of the last
// two weeks on both projects, opened by the demo's people through the store (so that every
// ticket has its real history): most answered in time, followed up and closed; some waiting for
// their follow-up call; a few reopened after a "not satisfied" follow-up; some overdue and
// escalated to the team lead or the project manager. A second run changes nothing.

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/callfloor/callfloor/storage"
)

type demoTicket struct {
	cat, prio, subject, desc, customer, phone string
	fields                                    map[string]any
	by, team, project                         string
	ago                                       time.Duration // created this long before now
	fate                                      string        // closed, reopened, waiting, in_progress, overdue, late_closed
}

func demoTicketList() []demoTicket {
	h := time.Hour
	d := 24 * h
	return []demoTicket{
		{"complaint", "high", "宽带频繁掉线，多次报修未解决", "客户反映近一周每晚 8 点后宽带掉线，已报修两次。", "王建国", "13817265530", map[string]any{"target": "服务质量"}, "olga", "team-b", "telecom", 13*d + 3*h, "closed"},
		{"repair", "normal", "光猫指示灯异常，需上门检修", "LOS 灯闪红，客户在家时间：工作日晚上。", "李秀英", "13916628874", map[string]any{"address": "上海市浦东新区张杨路 1280 弄 5 号 1202 室"}, "olga", "team-b", "telecom", 12*d + 5*h, "closed"},
		{"complaint", "urgent", "话费被多扣 58 元，要求退还", "客户称本月账单多出增值业务费，未曾订购。", "陈丽", "18621093346", map[string]any{"target": "产品问题"}, "sam", "team-b", "telecom", 11*d + 2*h, "reopened"},
		{"enquiry", "low", "咨询套餐变更生效时间", "", "赵磊", "13501827764", nil, "sam", "team-b", "telecom", 10*d + 6*h, "closed"},
		{"difficult", "normal", "老人机无法接收验证码短信", "多次重启无效，疑似号码被拦截。", "孙桂英", "13764490215", nil, "olga", "team-b", "telecom", 9*d + 1*h, "late_closed"},
		{"complaint", "high", "坐席服务态度差，要求道歉", "客户 11 月 28 日来电被挂断。", "周杰", "18917730482", map[string]any{"target": "服务态度"}, "lee", "team-a", "cards", 8*d + 4*h, "closed"},
		{"repair", "high", "信用卡无法在 POS 机刷卡", "芯片读取失败，需补卡。", "吴敏", "13611958820", map[string]any{"address": "苏州市工业园区星湖街 328 号"}, "ana", "team-a", "cards", 7*d + 3*h, "closed"},
		{"complaint", "normal", "年费未按约定减免", "客户称办卡时承诺首年免年费。", "郑海燕", "15921347706", map[string]any{"target": "产品问题"}, "ana", "team-a", "cards", 6*d + 2*h, "reopened"},
		{"enquiry", "normal", "分期手续费计算方式", "", "冯志强", "13482271653", nil, "ana", "team-a", "cards", 5*d + 7*h, "waiting"},
		{"difficult", "high", "境外消费被冻结，客户在国外急需解冻", "客户在新加坡，预留号码 +65 不可用。", "何婷", "13795516639", nil, "lee", "team-a", "cards", 4*d + 5*h, "waiting"},
		{"complaint", "high", "催收电话过于频繁", "客户称每天接到 5 次以上催收电话。", "许浩然", "18801928847", map[string]any{"target": "服务态度"}, "ana", "team-a", "cards", 3*d + 2*h, "overdue"},
		{"repair", "urgent", "固话无拨号音", "整栋楼固话中断，可能为线路故障。", "韩春梅", "13621775203", map[string]any{"address": "上海市徐汇区漕溪北路 88 号"}, "olga", "team-b", "telecom", 2*d + 6*h, "overdue"},
		{"complaint", "normal", "营业厅办理业务排队超过两小时", "", "曹宇轩", "13918830517", map[string]any{"target": "服务质量"}, "sam", "team-b", "telecom", 1*d + 20*h, "in_progress"},
		{"enquiry", "low", "如何开通国际漫游", "", "彭欣怡", "15800916624", nil, "ana", "team-a", "cards", 1*d + 3*h, "closed"},
		{"repair", "normal", "宽带测速只有签约速率的一半", "客户签约 500M，实测 230M。", "曾子涵", "13524468891", map[string]any{"address": "上海市闵行区七莘路 3555 号"}, "olga", "team-b", "telecom", 20 * h, "waiting"},
		{"complaint", "urgent", "积分兑换商品未收到", "订单号 JF20261130088，已超过承诺的 7 个工作日。", "肖雨桐", "18516620734", map[string]any{"target": "产品问题"}, "lee", "team-a", "cards", 10 * h, "overdue"},
		{"difficult", "normal", "销户后仍收到账单短信", "", "田俊杰", "13661837795", nil, "ana", "team-a", "cards", 3 * h, "in_progress"},
		{"enquiry", "normal", "查询上月通话详单", "", "董玉兰", "13816542208", nil, "sam", "team-b", "telecom", 1 * h, "open"},
	}
}

// seedDemoTickets opens the demo's tickets once.
func seedDemoTickets(ctx context.Context, db *storage.DB, now time.Time, stdout io.Writer) error {
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM tickets`).Scan(&n); err != nil || n > 0 {
		return err
	}
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		storage.SetTicketZone(loc)
	}
	users := map[string]storage.TicketActor{}
	for _, u := range []string{"olga", "sam", "lee", "ana", "pam", "paul"} {
		x, err := db.GetUserByUsername(ctx, u)
		if err != nil {
			return fmt.Errorf("demo tickets: user %s: %w", u, err)
		}
		users[u] = storage.TicketActor{UserID: x.ID, Name: x.DisplayName}
	}
	for _, d := range demoTicketList() {
		by := users[d.by]
		at := now.Add(-d.ago)
		tk, err := db.CreateTicket(ctx, storage.NewTicket{Category: d.cat, Priority: d.prio, Phone: d.phone, CustomerName: d.customer,
			Subject: d.subject, Description: d.desc, Fields: d.fields, TeamID: d.team, ProjectID: d.project}, by, at)
		if err != nil {
			return fmt.Errorf("demo ticket %q: %w", d.subject, err)
		}
		if d.team == "team-a" && d.by == "ana" && d.fate != "open" {
			// handed to the team lead, who answers (the first owner stays ana)
			lee := users["lee"]
			if _, err := db.AssignTicket(ctx, tk.ID, &lee.UserID, "", by, at.Add(20*time.Minute)); err != nil {
				return err
			}
			by = users["lee"]
		}
		step := func(f func(time.Time) error, after time.Duration) error {
			if at.Add(after).After(now) {
				return nil
			}
			return f(at.Add(after))
		}
		answerIn := time.Duration(float64(tk.SLAHours) * 0.5 * float64(time.Hour))
		if d.fate == "late_closed" {
			answerIn = time.Duration(tk.SLAHours * 1.3 * float64(time.Hour))
		}
		answer := func(t time.Time) error {
			_, err := db.CommentTicket(ctx, tk.ID, "已核实处理，并电话告知客户处理结果。", true, by, t)
			return err
		}
		followup := func(outcome, note string) func(time.Time) error {
			return func(t time.Time) error {
				_, err := db.RecordFollowup(ctx, tk.ID, outcome, note, "", by, t)
				return err
			}
		}
		closeIt := func(t time.Time) error {
			_, err := db.CloseTicket(ctx, tk.ID, "回访确认，结单。", by, t)
			return err
		}
		comment := func(t time.Time) error {
			_, err := db.CommentTicket(ctx, tk.ID, "已联系相关部门，等待反馈。", false, by, t)
			return err
		}
		var steps []error
		switch d.fate {
		case "in_progress":
			steps = append(steps, step(comment, 30*time.Minute))
		case "waiting":
			steps = append(steps, step(comment, 30*time.Minute), step(answer, answerIn))
		case "closed", "late_closed":
			steps = append(steps, step(answer, answerIn), step(followup("satisfied", "客户表示满意"), answerIn+4*time.Hour), step(closeIt, answerIn+4*time.Hour+time.Minute))
		case "reopened":
			steps = append(steps, step(answer, answerIn), step(followup("not_satisfied", "客户对处理结果不满意，要求重新核查"), answerIn+3*time.Hour),
				step(comment, answerIn+5*time.Hour), step(answer, answerIn+20*time.Hour), step(followup("satisfied", "二次回访，客户认可"), answerIn+30*time.Hour),
				step(closeIt, answerIn+30*time.Hour+time.Minute))
		case "overdue":
			steps = append(steps, step(comment, time.Hour))
		}
		for _, err := range steps {
			if err != nil {
				return fmt.Errorf("demo ticket %q: %w", d.subject, err)
			}
		}
	}
	es, err := db.EscalateTickets(ctx, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo: %d tickets (%d escalations)\n", len(demoTicketList()), len(es))
	return nil
}
