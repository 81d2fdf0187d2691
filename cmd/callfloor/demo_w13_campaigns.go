package main

// The demo's outbound campaigns (issue 13): in the outbound project (cards, team-a) a running
// predictive motor-insurance renewal campaign (renewals-2026q4, the one the dialler works), a
// running progressive campaign to overseas cardholders (overseas-cards-2026q4: London, New
// York, Los Angeles, Sydney, Vancouver, each lead called 09:00–20:00 in its own zone, so that
// the demo dials at any hour without breaking the calling-window rule), a preview campaign for high-value customers that requires consent, and last quarter's finished
// renewal campaign; lists of a few thousand leads with Chinese names, +86 mobiles and custom
// fields (plate, policy expiry, last premium), one list's validation report with rejected rows,
// do-not-call entries (by hand and from 拒绝 dispositions) and consent evidence. The attempts
// of past days are the history generator's, not this file's. A second run changes nothing.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

var (
	demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	demoGiven    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞",
		"平", "刚", "桂英", "建华", "文", "华", "红", "建国", "志强", "海燕", "婷", "玉兰", "春梅", "浩然", "子涵", "欣怡", "梓萱", "宇轩", "雨桐", "俊杰"}
	demoPlates   = []string{"沪A", "沪B", "沪C", "沪D", "沪E", "沪F", "苏E", "浙A"}
	demoPrefixes = []string{"134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "183", "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "189", "177", "199"}
)

const demoRenewalScript = `您好，请问是{{name}}先生/女士吗？我是平安车险的客服专员，工号{{agent}}。
您的车辆{{车牌号}}的交强险和商业险将于{{保单到期}}到期，去年保费{{上年保费}}元。
今年续保可享受无赔款优待，我这边帮您算一下今年的报价，大约占用您两分钟，可以吗？`

// demoCampaigns are the demo's campaigns with their status and the lists to load.
func demoCampaigns() []struct {
	c      callfloor.Campaign
	status string
	lists  []demoList
} {
	renew := callfloor.NewCampaign("renewals-2026q4", "车险续保 2026年第四季度")
	renew.Project, renew.Teams = "cards", []string{"team-a"}
	renew.CallerIDs = []string{"02160881001", "02160881002", "02160881003"}
	renew.Windows = []callfloor.CallingWindow{
		{Days: []time.Weekday{1, 2, 3, 4, 5}, Start: "09:00", End: "12:00"},
		{Days: []time.Weekday{1, 2, 3, 4, 5}, Start: "13:30", End: "20:00"},
		{Days: []time.Weekday{6}, Start: "10:00", End: "17:00"},
	}
	renew.MaxAttempts, renew.MaxAttemptsPerDay = 6, 2
	renew.Script = demoRenewalScript
	renew.RecordingKeepDays = 180
	renew.DailyDialTarget, renew.DailyConnectTarget = 8000, 2000

	vip := callfloor.NewCampaign("vip-review-2026q4", "高价值客户回访（预览）")
	vip.Project, vip.Teams = "cards", []string{"team-a"}
	vip.Mode, vip.DropTarget = callfloor.PacePreview, 0
	vip.CallerIDs = []string{"02160881010"}
	vip.RequireConsent = true
	vip.MaxAttempts, vip.MaxAttemptsPerDay = 4, 1
	vip.Script = "{{name}}您好，我是您的专属客户经理。您的保单{{车牌号}}将于{{保单到期}}到期，想为您介绍今年的尊享续保方案。"
	vip.RecordingKeepDays = 365
	vip.DailyDialTarget, vip.DailyConnectTarget = 300, 120

	// overseas cardholders, each called 09:00–20:00 in their own zone (the lead's): between them
	// and the Shanghai renewals the demo's team dials at any hour a reviewer opens it
	abroad := callfloor.NewCampaign("overseas-cards-2026q4", "海外持卡人用卡回访（渐进式）")
	abroad.Project, abroad.Teams = "cards", []string{"team-a"}
	abroad.Mode, abroad.DropTarget = callfloor.PaceProgressive, 0
	abroad.CallerIDs = []string{"02160881020"}
	every := []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	abroad.Windows = []callfloor.CallingWindow{{Days: every, Start: "09:00", End: "20:00"}}
	abroad.SkipHolidays = false // China's public holidays are not theirs
	abroad.MaxAttempts, abroad.MaxAttemptsPerDay = 5, 2
	abroad.Script = "{{name}}您好，我是信用卡中心海外服务专员。看到您在{{居住城市}}使用我行{{卡种}}，想了解一下您的境外用卡体验，并介绍免货币转换费的活动，大约两分钟，方便吗？"
	abroad.RecordingKeepDays = 180
	abroad.DailyDialTarget, abroad.DailyConnectTarget = 1500, 400

	q3 := callfloor.NewCampaign("renewals-2026q3", "车险续保 2026年第三季度")
	q3.Project, q3.Teams = "cards", []string{"team-a"}
	q3.CallerIDs = []string{"02160881001"}
	q3.Script = demoRenewalScript
	q3.DailyDialTarget = 6000

	return []struct {
		c      callfloor.Campaign
		status string
		lists  []demoList
	}{
		{renew, "running", []demoList{{"十一月到期客户", "2026-11到期.xlsx", 2500, 11, true, false}, {"十二月到期客户", "2026-12到期.xlsx", 1800, 12, false, false}}},
		{vip, "paused", []demoList{{"VIP 名单（已授权）", "vip-授权客户.xlsx", 300, 12, false, false}}},
		{abroad, "running", []demoList{{name: "海外持卡人（伦敦·纽约·洛杉矶·悉尼·温哥华）", file: "海外持卡人-2026Q4.xlsx", rows: 4000, overseas: true}}},
		{q3, "finished", []demoList{{"九月到期客户", "2026-09到期.xlsx", 1200, 9, false, false}}},
	}
}

type demoList struct {
	name, file string
	rows       int
	month      int  // the policies' expiry month (2026)
	bad        bool // with rows a real file has: repeated, short and empty numbers
	overseas   bool // cardholders abroad (demoOverseasRows): foreign numbers, each lead's own zone
}

// demoAbroad are the overseas cardholders' cities: zone, calling code and how a mobile there
// begins.
var demoAbroad = []struct{ city, zone, code, mobile string }{
	{"伦敦", "Europe/London", "44", "7700"},
	{"纽约", "America/New_York", "1", "646"},
	{"洛杉矶", "America/Los_Angeles", "1", "213"},
	{"悉尼", "Australia/Sydney", "61", "412"},
	{"温哥华", "America/Vancouver", "1", "604"},
}

// demoOverseasRows makes the overseas list's sheet: names, +country mobiles, the zone per lead
// (时区), card and city.
func demoOverseasRows(r *rand.Rand, l demoList) ([]string, [][]string) {
	header := []string{"客户姓名", "手机号码", "时区", "卡种", "居住城市"}
	cards := []string{"全币种白金卡", "万事达钛金卡", "VISA 留学生卡", "银联双币卡"}
	var rows [][]string
	for i := 0; i < l.rows; i++ {
		a := demoAbroad[i%len(demoAbroad)]
		name := string(demoSurnames[r.IntN(len(demoSurnames))]) + demoGiven[r.IntN(len(demoGiven))]
		phone := fmt.Sprintf("+%s %s %06d", a.code, a.mobile, r.IntN(1000000))
		rows = append(rows, []string{name, phone, a.zone, cards[r.IntN(len(cards))], a.city})
	}
	return header, rows
}

// demoLeadRows makes a list's sheet: header and rows (names, mobiles, plate, expiry, premium).
func demoLeadRows(r *rand.Rand, l demoList) ([]string, [][]string) {
	header := []string{"客户姓名", "手机号码", "车牌号", "保单到期", "上年保费", "归属城市"}
	cities := []string{"上海", "上海", "上海", "苏州", "杭州", "南京"}
	var rows [][]string
	for i := 0; i < l.rows; i++ {
		name := string(demoSurnames[r.IntN(len(demoSurnames))]) + demoGiven[r.IntN(len(demoGiven))]
		phone := fmt.Sprintf("%s%08d", demoPrefixes[r.IntN(len(demoPrefixes))], r.IntN(100000000))
		if i%3 == 0 { // people type numbers as they like
			phone = phone[:3] + " " + phone[3:7] + " " + phone[7:]
		}
		plate := demoPlates[r.IntN(len(demoPlates))] + fmt.Sprintf("%c%04d", 'A'+rune(r.IntN(26)), r.IntN(10000))
		expiry := fmt.Sprintf("2026-%02d-%02d", l.month, 1+r.IntN(28))
		premium := fmt.Sprintf("%d", 2800+r.IntN(90)*100)
		rows = append(rows, []string{name, phone, plate, expiry, premium, cities[r.IntN(len(cities))]})
	}
	if l.bad {
		rows[40][1] = rows[12][1]          // the same customer twice
		rows[77][1] = "1381234"            // cut short
		rows[150][1] = ""                  // no number
		rows[310][1] = "021-6088"          // a landline without its number
		rows[902][1] = "+86 " + rows[5][1] // the same number written with the country code
		rows[1204][1] = "12345678901"      // not a mobile
	}
	return header, rows
}

// seedDemoCampaigns seeds the campaigns (those missing), their lists, do-not-call entries and
// consent records.
func seedDemoCampaigns(ctx context.Context, db *storage.DB, stdout io.Writer) error {
	r := rand.New(rand.NewPCG(13, 2026))
	// the do-not-call list first: numbers refused on earlier campaigns never enter a list
	manual := []struct{ phone, reason string }{
		{"13916880021", "客户投诉：要求不再来电（12315 工单）"},
		{"13801762235", "本人要求，不接受营销电话"},
		{"18621550987", "律师函"},
	}
	for _, m := range manual {
		if err := db.AddDNC(ctx, m.phone, "", m.reason, "olga"); err != nil {
			return err
		}
	}
	for _, cs := range demoCampaigns() {
		if _, err := db.GetCampaign(ctx, cs.c.ID); err == nil {
			continue
		} else if callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
			return err
		}
		if _, err := db.PutCampaign(ctx, cs.c); err != nil {
			return fmt.Errorf("demo campaign %s: %w", cs.c.ID, err)
		}
		var firstPhones []string
		for _, l := range cs.lists {
			var header []string
			var rows [][]string
			mapping := storage.LeadMapping{Phone: "手机号码", Name: "客户姓名", Fields: []string{"车牌号", "保单到期", "上年保费", "归属城市"}}
			if l.overseas {
				header, rows = demoOverseasRows(r, l)
				mapping = storage.LeadMapping{Phone: "手机号码", Name: "客户姓名", TimeZone: "时区", Fields: []string{"卡种", "居住城市"}}
			} else {
				header, rows = demoLeadRows(r, l)
			}
			if cs.c.RequireConsent {
				for _, row := range rows {
					if row[1] != "" {
						firstPhones = append(firstPhones, row[1])
					}
				}
			}
			rep, err := db.ImportLeads(ctx, cs.c.ID, l.name, l.file, "pam", header, rows, mapping)
			if err != nil {
				return fmt.Errorf("demo list %s: %w", l.name, err)
			}
			fmt.Fprintf(stdout, "demo: campaign %s list %q: %d loaded, %d rejected\n", cs.c.ID, l.name, rep.Loaded, len(rep.Rejected))
			if cs.c.ID == "renewals-2026q3" {
				// last quarter's refusals are on the do-not-call list (拒绝 dispositions of its attempts)
				for i := 0; i < 40 && i < len(rows); i++ {
					p, err := callfloor.CanonicalPhone(rows[i*25][1], "86")
					if err != nil {
						continue
					}
					if _, err := db.Pool.Exec(ctx, `INSERT INTO dnc (phone, campaign_id, reason, source, added_by, added_at)
						VALUES ($1, '', 'refused', 'disposition:renewals-2026q3', '', now() - make_interval(days => $2))
						ON CONFLICT DO NOTHING`, p, 20+i); err != nil {
						return err
					}
				}
			}
		}
		// consent evidence for the preview campaign: most of its customers signed the online
		// authorisation; a few consents have lapsed
		for i, p := range firstPhones {
			if i%10 == 9 {
				continue // no consent: the dialler skips them
			}
			c := storage.Consent{Phone: p, Campaign: cs.c.ID, Evidence: fmt.Sprintf("线上授权书 VIP-%05d（App 勾选同意，%s）", 1000+i, "2026-10"), RecordedBy: "olga"}
			if i%10 == 0 {
				c.Evidence = fmt.Sprintf("回访录音中口头同意，通话编号 demo-consent-%d", i)
			}
			if _, err := db.PutConsent(ctx, c); err != nil {
				return err
			}
		}
		if cs.status != "draft" {
			if err := db.SetCampaignStatus(ctx, cs.c.ID, cs.status); err != nil {
				return err
			}
		}
	}
	return nil
}
