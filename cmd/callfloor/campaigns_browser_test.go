package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The campaign pages in both languages: an operations manager creates a campaign in the
// editor, uploads an XLSX list, maps its columns, sees the validation report naming a rejected
// row, and starts the campaign (status running); the do-not-call page opens.
func TestBrowserCampaignsImportAndStart(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, _ := startDemo(t, 5)
	shots := os.Getenv("CALLFLOOR_SHOTS")
	if shots == "" {
		shots = artifactsDir(t)
	}
	createUsers(t, m, storage.NewUser{Username: "cm", DisplayName: "Olga", Password: supervisorPassword, Role: callfloor.RoleOperationsManager})
	x := excelize.NewFile()
	for i, row := range [][]any{
		{"客户姓名", "手机号码", "车牌号", "保单到期"},
		{"王芳", "138 1234 5678", "沪A12345", "2026-12-20"},
		{"李娜", "1381234", "沪B22222", "2026-12-21"},
		{"张伟", "13900000001", "沪C33333", "2026-12-22"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "十二月到期.xlsx")
	if err := x.SaveAs(file); err != nil {
		t.Fatal(err)
	}

	for _, lang := range []string{"en", "zh-CN"} {
		sfx := map[string]string{"en": "en", "zh-CN": "zh"}[lang]
		tr := func(en, zh string) string {
			if lang == "en" {
				return en
			}
			return zh
		}
		id := "renew-" + sfx
		actx, _ := ownTab(t, ctx)
		loginUI(t, actx, base, "cm", supervisorPassword, "nav-campaigns")
		if lang != "en" {
			switchLang(t, actx, lang)
		}
		do(t, actx, "campaigns page", chromedp.Navigate(base+"/campaigns"), chromedp.WaitVisible(byTestID("camp-new")))
		clickThen(t, actx, "camp-new", "camp-f-id")
		fillInput(t, actx, "camp-f-id", id)
		fillInput(t, actx, "camp-f-name", tr("Motor renewals", "车险续保"))
		fillInput(t, actx, "camp-f-script", "您好{{name}}，您的车辆{{车牌号}}保险将于{{保单到期}}到期。")
		elSelect(t, actx, "camp-f-mode", tr("Preview", "预览式"))
		waitFor(t, actx, 5*time.Second, "the script preview", func() bool {
			return strings.Contains(textOf(actx, "camp-script-preview"), "您好王芳，您的车辆沪A12345")
		})
		screenshot(t, actx, shots, "campaign-editor-"+sfx+".png")
		// a keep time under 30 days is refused on its field
		fillNumber(t, actx, "camp-f-keep", "7")
		jsClick(t, actx, "camp-save")
		waitFor(t, actx, 10*time.Second, "the keep-days error on its field", func() bool {
			return strings.Contains(elFieldError(actx, "camp-f-keep"), "30")
		})
		fillNumber(t, actx, "camp-f-keep", "90")
		jsClick(t, actx, "camp-save")
		waitFor(t, actx, 10*time.Second, id+" listed", func() bool { return present(actx, "camp-open-"+id) })

		do(t, actx, "the campaign's lists", chromedp.Navigate(base+"/campaigns/"+id), chromedp.WaitVisible(byTestID("list-import")))
		clickThen(t, actx, "list-import", "import-upload")
		do(t, actx, "upload the XLSX", chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="import-upload"] input[type=file]`), []string{file}, chromedp.NodeReady))
		waitFor(t, actx, 15*time.Second, "the column mapping", func() bool { return visible(actx, "map-0") })
		for i, want := range []string{tr("Name", "姓名"), tr("Phone", "电话号码"), tr("Custom field", "自定义字段"), tr("Custom field", "自定义字段")} {
			got, _ := chromedp.Run(actx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector('[data-testid="map-%d"] .el-select__selected-item:not(.is-hidden)')||document.querySelector('[data-testid="map-%d"]')).textContent.trim()`, i, i)))
			if !strings.Contains(got, want) {
				t.Errorf("%s: column %d mapped to %q, want %q", lang, i, got, want)
			}
		}
		screenshot(t, actx, shots, "campaign-import-mapping-"+sfx+".png")
		jsClick(t, actx, "import-run")
		waitFor(t, actx, 15*time.Second, "the validation report", func() bool { return visible(actx, "import-rejects") })
		rep := textOf(actx, "import-rejects")
		if !strings.Contains(rep, "3") || !strings.Contains(rep, tr("Not a phone number", "不是电话号码")) || !strings.Contains(rep, "1381234") {
			t.Errorf("%s: the report shows %q", lang, rep)
		}
		if !strings.Contains(textOf(actx, "import-report"), tr("2 of 3 rows loaded", "共 3 行，已导入 2 行")) {
			t.Errorf("%s: report %q", lang, textOf(actx, "import-report"))
		}
		screenshot(t, actx, shots, "campaign-import-report-"+sfx+".png")
		if code, body := fetchInPage(t, actx, attr(actx, "import-rejects-file", "href")); code != 200 || !strings.HasPrefix(body, "PK") {
			t.Errorf("%s: the rejects file: %d", lang, code)
		}

		do(t, actx, "back to the campaigns", chromedp.Navigate(base+"/campaigns"), chromedp.WaitVisible(byTestID("camp-start-"+id)))
		jsClick(t, actx, "camp-start-"+id)
		waitFor(t, actx, 10*time.Second, "the confirmation", func() bool {
			ok, _ := chromedp.Run(actx, chromedp.Evaluate[bool](`(b => { if (!b || b.offsetParent === null) return false; b.click(); return true })(document.querySelector('.el-message-box__btns .el-button--primary'))`))
			return ok
		})
		waitFor(t, actx, 10*time.Second, id+" running", func() bool {
			return textOf(actx, "camp-status-"+id) == tr("Running", "进行中")
		})
		screenshot(t, actx, shots, "campaigns-"+sfx+".png")
		if c, err := m.DB.GetCampaign(t.Context(), id); err != nil || c.Status != "running" || c.Leads["new"] != 2 || c.Mode != callfloor.PacePreview || c.RecordingKeepDays != 90 {
			t.Errorf("%s: stored %+v %v", lang, c, err)
		}
		do(t, actx, "lists page", chromedp.Navigate(base+"/campaigns/"+id), chromedp.WaitVisible(byTestID("list-table")))
		screenshot(t, actx, shots, "campaign-lists-"+sfx+".png")
		do(t, actx, "do-not-call page", chromedp.Navigate(base+"/dnc"), chromedp.WaitVisible(byTestID("dnc-table")))
		fillInput(t, actx, "dnc-phone", "13812345678")
		jsClick(t, actx, "dnc-search")
		time.Sleep(time.Second)
		screenshot(t, actx, shots, "dnc-"+sfx+".png")
	}
}

// fillNumber types a value into an Element Plus number input (its inner <input>).
func fillNumber(t *testing.T, ctx context.Context, testID, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector('[data-testid=%q] input'); if (!e) return false;
		e.focus(); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); e.blur(); return true })()`, testID, value)
	waitFor(t, ctx, 10*time.Second, "number input "+testID, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		return err == nil && ok
	})
}
