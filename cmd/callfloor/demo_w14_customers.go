package main

// The demo's customers and knowledge base (issue 14). Customers are the callers of the demo's
// history (their numbers as the network sent them, canonical +86 here) with Chinese names, tags
// and agents' notes; three are VIPs and one a blacklisted nuisance caller, flagged by the team
// lead with a reason. The knowledge base holds about thirty articles and scripts of a bank card
// centre (billing, card activation, repairs, complaints, 统一口径 answers) in a small category
// tree, suggested for the demo's queues, with owners and review dates (a few past due), and an
// edit history on one. A second run changes nothing.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

var demoCustomerTags = [][]string{{"信用卡"}, {"借记卡"}, {"信用卡", "分期"}, {"老客户"}, {"信用卡", "高价值"}, {"宽带"}, {"投诉倾向"}, {"信用卡", "老客户"}}

var demoCustomerNotes = []string{
	"客户询问账单分期手续费，已按统一口径解释，客户表示考虑后再办理。",
	"客户反映上月账单重复扣款，已提交核查，承诺三个工作日内回电。",
	"新卡已激活，提醒客户设置交易密码并开通短信提醒。",
	"客户要求提高临时额度用于出国旅行，已转额度审批。",
	"宽带报修：光猫红灯，已预约明天上午上门。",
	"客户情绪激动，要求投诉网点服务态度，已安抚并登记投诉。",
	"客户咨询年费减免政策，告知刷卡满六次可免次年年费。",
	"客户来电挂失信用卡，已冻结并补办新卡，七个工作日寄到。",
}

// seedDemoCustomers turns the history's callers into customers (after seedDemoHistory).
func seedDemoCustomers(ctx context.Context, db *storage.DB, now time.Time, stdout io.Writer) error {
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM customers`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	rows, err := db.Pool.Query(ctx, `SELECT caller_number, count(*) FROM calls
		WHERE direction = 'inbound' AND caller_number ~ '^1[3-9][0-9]{9}$' AND entered_at > $1
		GROUP BY caller_number ORDER BY count(*) DESC, caller_number LIMIT 60`, now.AddDate(0, 0, -28))
	if err != nil {
		return err
	}
	var numbers []string
	for rows.Next() {
		var num string
		var c int
		if err := rows.Scan(&num, &c); err != nil {
			rows.Close()
			return err
		}
		numbers = append(numbers, num)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(14, 2026))
	flagged := 0
	for i, num := range numbers {
		phone, err := callfloor.CanonicalPhone(num, "86")
		if err != nil {
			continue
		}
		name := string(demoSurnames[r.IntN(len(demoSurnames))]) + demoGiven[r.IntN(len(demoGiven))]
		tags := demoCustomerTags[r.IntN(len(demoCustomerTags))]
		fields := map[string]string{"卡种": []string{"金卡", "白金卡", "普卡", "钻石卡"}[r.IntN(4)], "所在城市": []string{"上海", "苏州", "杭州", "南京"}[r.IntN(4)]}
		at := now.Add(-time.Duration(r.IntN(20*24)) * time.Hour)
		if _, err := db.UpdateCustomer(ctx, phone, storage.CustomerEdit{Name: &name, Tags: &tags, Fields: &fields}, at); err != nil {
			return err
		}
		if i%3 == 0 {
			author := []string{"ana", "ben", "cho", "dev"}[r.IntN(4)]
			if _, err := db.AddCustomerNote(ctx, phone, demoCustomerNotes[r.IntN(len(demoCustomerNotes))], author, "", at.Add(time.Hour)); err != nil {
				return err
			}
		}
		switch i {
		case 0, 1, 2:
			if _, err := db.SetCustomerFlag(ctx, phone, callfloor.FlagVIP, true, "lee", "白金卡客户，年消费超五十万", at); err != nil {
				return err
			}
			flagged++
		case 3:
			if _, err := db.SetCustomerFlag(ctx, phone, callfloor.FlagBlacklist, true, "lee", "恶意骚扰坐席，一周内来电辱骂 12 次（投诉单 TS20261128-017）", at); err != nil {
				return err
			}
			flagged++
		}
	}
	fmt.Fprintf(stdout, "demo: %d customers from the history's callers (%d flagged)\n", len(numbers), flagged)
	return nil
}

type demoArticle struct {
	cat, title, body string
	tags, queues     []string
	status           string
	owner            string
	reviewDays       int // review date from today; negative: past due
}

func demoArticles() []demoArticle {
	pub := storage.KBPublished
	return []demoArticle{
		{"信用卡/激活", "信用卡激活后多久可以使用", "# 统一口径\n信用卡**激活成功后即时生效**，可立即消费。\n- 网上支付需先开通“网上支付”功能\n- 境外使用需开通境外交易\n激活后 24 小时内大额交易可能触发风控短信验证。", []string{"激活", "统一口径"}, []string{"sales", "support"}, pub, "quinn", 60},
		{"信用卡/激活", "信用卡激活方式", "客户可通过以下方式激活：\n- 手机银行 App“卡片管理—激活”\n- 拨打本热线按 1 转人工，核实身份后激活\n- 携带身份证到任一网点\n**坐席激活前必须核实**：姓名、身份证后四位、卡片有效期。", []string{"激活", "核身"}, []string{"support"}, pub, "quinn", 90},
		{"信用卡/激活", "激活失败的常见原因", "- 卡片已过有效期\n- 身份信息与申请时不一致\n- 卡片已被挂失或冻结\n处理：查询卡片状态后按情况引导补卡或解冻。", []string{"激活"}, []string{"support"}, pub, "tara", -5},
		{"信用卡/账单", "账单日与还款日说明", "账单日每月固定，还款日为账单日后第 20 天。\n到期还款日当天 24:00 前还款均视为按时还款。", []string{"账单", "还款"}, []string{"billing"}, pub, "quinn", 120},
		{"信用卡/账单", "账单分期手续费说明", "# 统一口径\n账单分期手续费按期收取，**3 期 0.75%/期，6 期 0.70%/期，12 期 0.66%/期**。\n提前还款剩余本金一次结清，已收手续费不退，未到期手续费不再收取。", []string{"分期", "手续费", "统一口径"}, []string{"billing", "sales"}, pub, "quinn", 30},
		{"信用卡/账单", "重复扣款的处理流程", "1. 核实两笔交易的时间、金额、商户\n2. 确认为重复扣款的，登记差错处理单\n3. 告知客户**三个工作日内**回电，款项 7–15 个工作日退回原卡", []string{"扣款", "差错"}, []string{"billing"}, pub, "lee", -12},
		{"信用卡/账单", "最低还款额与利息", "最低还款额为账单金额的 10%。按最低还款额还款不影响征信，但全部欠款自记账日起按日息万分之五计息。", []string{"还款", "利息"}, []string{"billing"}, pub, "quinn", 45},
		{"信用卡/账单", "年费减免政策", "# 统一口径\n普卡、金卡：当年刷卡满 6 次（不限金额）免次年年费。\n白金卡：年费 3600 元，可用积分 18 万分抵扣。", []string{"年费", "统一口径"}, []string{"billing", "sales"}, pub, "quinn", 200},
		{"信用卡/额度", "临时额度调整", "客户可申请临时额度，有效期 30 天，到期自动恢复。\n临时额度部分须在到期后的账单中一次还清，不可分期。", []string{"额度"}, []string{"sales", "billing"}, pub, "tara", 75},
		{"信用卡/额度", "永久额度提升条件", "用卡满 6 个月、近半年无逾期、使用率较高的客户可申请。系统评估后短信告知结果，坐席**不得承诺**一定提额。", []string{"额度", "提额"}, []string{"sales"}, pub, "tara", 75},
		{"信用卡/挂失", "信用卡挂失与补卡", "核实身份后立即挂失，挂失前 48 小时内的盗刷可申请失卡保障。补卡工本费 20 元，7 个工作日寄达。", []string{"挂失", "补卡"}, []string{"support"}, pub, "quinn", 150},
		{"信用卡/挂失", "疑似盗刷的应急处理", "- 立即冻结卡片\n- 提醒客户保留短信和交易记录\n- 建议客户就近到 ATM 做一笔查询交易，证明卡在身边\n- 登记争议交易单", []string{"盗刷", "风控"}, []string{"support"}, pub, "lee", 20},
		{"宽带/报修", "宽带报修受理话术", "您好，请问是宽带无法上网吗？麻烦您看一下光猫上的指示灯：\n- **LOS 红灯**：光纤中断，需上门\n- PON 灯闪烁：注册异常，先重启光猫\n- 全部正常：检查路由器和网线", []string{"报修", "宽带"}, []string{"support"}, pub, "tara", 100},
		{"宽带/报修", "上门维修预约时段", "上门时段：每天 8:00–20:00，分上午、下午、晚上三个时段。预约成功后维修工程师会提前 30 分钟电话联系。", []string{"报修", "预约"}, []string{"support"}, pub, "tara", 100},
		{"宽带/报修", "维修超时的补偿标准", "# 统一口径\n承诺时限内未修复的，每超 24 小时补偿 1 天月租，最多补偿 10 天。补偿在下月账单中自动减免。", []string{"补偿", "统一口径"}, []string{"support"}, pub, "quinn", -3},
		{"宽带/资费", "宽带续约优惠", "老用户续约 12 个月可享 8.5 折，续约 24 个月 7.5 折，并赠送路由器一台（库存有限）。", []string{"续约", "优惠"}, []string{"sales"}, pub, "tara", 15},
		{"投诉处理", "投诉处理标准话术（首问负责）", "# 首问负责制\n1. **先处理情绪，再处理事情**：“非常理解您的心情，给您添麻烦了。”\n2. 复述问题，确认诉求\n3. 能当场解决的当场解决；不能的，告知处理时限和回访方式\n4. 结束前确认客户是否还有其他问题", []string{"投诉", "话术"}, []string{"sales", "support", "billing"}, pub, "lee", 40},
		{"投诉处理", "客户要求升级投诉的处理", "客户要求找领导时，不推诿、不挂断，告知“我马上为您转接值班主管”，转接前把情况简要同步给主管。", []string{"投诉", "升级"}, []string{"sales", "support", "billing"}, pub, "lee", 40},
		{"投诉处理", "监管投诉（12378/12315）来电处理", "涉及监管部门转办的投诉，须在 **当日** 登记并上报质检组，严禁与客户争辩，回复口径以投诉组审核为准。", []string{"投诉", "监管"}, []string{"support", "billing"}, pub, "quinn", -30},
		{"投诉处理", "辱骂坐席的处理规范", "第一次：提醒文明用语；第二次：告知将结束通话；第三次：礼貌结束通话并在客户备注中记录。多次恶意骚扰的号码由组长申请加入黑名单。", []string{"骚扰", "黑名单"}, []string{"sales", "support", "billing"}, pub, "lee", 60},
		{"统一口径", "系统升级期间的统一答复", "# 统一口径\n“尊敬的客户，系统正在升级维护，预计今晚 24:00 前恢复，期间您的资金安全不受影响，给您带来不便非常抱歉。”", []string{"统一口径", "系统"}, []string{"sales", "support", "billing"}, pub, "quinn", 7},
		{"统一口径", "短信验证码收不到的答复", "请客户确认手机是否欠费停机、是否拦截了 95 开头短信；仍收不到的，登记工单，24 小时内回复。", []string{"验证码", "统一口径"}, []string{"support"}, pub, "quinn", 80},
		{"统一口径", "利率调整的对外口径", "# 统一口径\n利率调整以官网公告为准，坐席不得自行解释调整原因，不得预测后续利率走势。", []string{"利率", "统一口径"}, []string{"sales", "billing"}, pub, "quinn", -1},
		{"营销话术", "信用卡分期营销话术", "您好，看到您本月有一笔较大的消费，现在办理分期可享手续费 8 折优惠，每月只需还 {金额}，需要为您办理吗？", []string{"分期", "营销"}, []string{"sales"}, pub, "tara", 30},
		{"营销话术", "白金卡升级邀约话术", "您好，您用卡记录非常好，我们诚邀您升级白金卡，享机场贵宾厅、道路救援等权益，首年免年费。", []string{"白金卡", "营销"}, []string{"sales"}, pub, "tara", 30},
		{"营销话术", "客户拒绝后的结束语", "好的，不打扰您了，如您之后有需要可随时拨打我们的客服热线，祝您生活愉快，再见！", []string{"营销", "结束语"}, []string{"sales"}, pub, "tara", 365},
		{"合规", "身份核实标准", "涉及账户信息的业务，必须核实：姓名 + 身份证后四位 + 以下任一：预留手机号、卡片有效期、最近一笔交易金额。", []string{"核身", "合规"}, []string{"sales", "support", "billing"}, pub, "quinn", 180},
		{"合规", "录音告知与隐私保护", "通话开始即已告知录音；坐席不得在通话中要求客户提供完整卡号、密码、CVV2 码。", []string{"隐私", "合规"}, []string{"sales", "support", "billing"}, pub, "quinn", 180},
		{"合规", "老年客户服务要求", "对 65 岁以上客户放慢语速、重复关键信息，不得推销高风险理财产品。", []string{"适老化"}, []string{"sales", "support"}, pub, "lee", 90},
		{"信用卡/激活", "草稿：虚拟卡即时激活（待上线）", "虚拟卡申请通过后即时可用，实体卡到达后需另行激活。**上线前请勿对外答复。**", []string{"虚拟卡", "激活"}, []string{"support"}, storage.KBDraft, "quinn", 14},
	}
}

// seedDemoKB writes the knowledge base (once).
func seedDemoKB(ctx context.Context, db *storage.DB, now time.Time, stdout io.Writer) error {
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM kb_articles`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	cats := map[string]int64{}
	var category func(path string) (int64, error)
	category = func(path string) (int64, error) {
		if id, ok := cats[path]; ok {
			return id, nil
		}
		var parent *int64
		name := path
		for i := len(path) - 1; i >= 0; i-- {
			if path[i] == '/' {
				pid, err := category(path[:i])
				if err != nil {
					return 0, err
				}
				parent, name = &pid, path[i+1:]
				break
			}
		}
		c, err := db.CreateKBCategory(ctx, storage.KBCategory{ParentID: parent, Name: name, Position: len(cats)})
		if err != nil {
			return 0, err
		}
		cats[path] = c.ID
		return c.ID, nil
	}
	saved := 0
	for i, a := range demoArticles() {
		cid, err := category(a.cat)
		if err != nil {
			return err
		}
		review := now.AddDate(0, 0, a.reviewDays).Format(time.DateOnly)
		at := now.Add(-time.Duration(40-i) * 24 * time.Hour)
		art, err := db.SaveKBArticle(ctx, storage.KBArticle{CategoryID: &cid, Title: a.title, Body: a.body, Tags: a.tags, Queues: a.queues,
			Status: a.status, Owner: a.owner, ReviewOn: &review}, 0, a.owner, "", at)
		if err != nil {
			return fmt.Errorf("demo article %s: %w", a.title, err)
		}
		saved++
		if a.title == "账单分期手续费说明" { // an edit history: last month's rates, then today's
			old := *art
			old.Body = "账单分期手续费按期收取，3 期 0.80%/期，6 期 0.75%/期，12 期 0.70%/期。"
			if _, err := db.SaveKBArticle(ctx, old, 0, "lee", "旧费率（待更新）", at.Add(time.Hour)); err != nil {
				return err
			}
			if _, err := db.SaveKBArticle(ctx, *art, 0, "quinn", "按 12 月起新费率更新", at.Add(2*time.Hour)); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stdout, "demo: %d knowledge-base articles in %d categories\n", saved, len(cats))
	return nil
}
