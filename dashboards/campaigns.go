package dashboards

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Outbound campaigns (issue 13): the campaigns' rules, their lists (imported from CSV or XLSX)
// and the do-not-call list. Operations managers (and admins) manage every campaign; a project
// manager their projects' campaigns; supervisors read every campaign and team leads those that
// dial with their team; agents, QA and trainers none of this.

func (a *API) registerCampaigns(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/campaigns", a.listCampaigns)
	h("GET /api/v1/campaigns/{id}", a.getCampaign)
	h("PUT /api/v1/campaigns/{id}", a.putCampaign)
	h("POST /api/v1/campaigns/{id}/status", a.setCampaignStatus)
	h("POST /api/v1/campaigns/{id}/lists", a.importList)
	h("GET /api/v1/dnc", a.listDNC)
	h("POST /api/v1/dnc", a.addDNC)
	a.registerCampaignLists(h) // lists, leads, do-not-call removal, consent (campaign_lists.go)
}

// canReadCampaign: who sees a campaign.
func canReadCampaign(p callfloor.Principal, c callfloor.Campaign) bool {
	switch p.Role {
	case callfloor.RoleAdmin, callfloor.RoleOperationsManager, callfloor.RoleSupervisor:
		return true
	case callfloor.RoleProjectManager:
		return c.Project != "" && p.CanSeeProject(c.Project)
	case callfloor.RoleTeamLead:
		return p.TeamID != "" && slices.Contains(c.Teams, p.TeamID)
	}
	return false
}

// canManageCampaign: who changes a campaign (its rules, status, lists).
func canManageCampaign(p callfloor.Principal, c callfloor.Campaign) bool {
	if p.CanConfigure() {
		return true
	}
	return p.Role == callfloor.RoleProjectManager && c.Project != "" && p.CanSeeProject(c.Project)
}

func (a *API) listCampaigns(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	p := principal(r)
	all, err := a.DB.ListCampaigns(r.Context())
	if err != nil {
		return nil, err
	}
	dials, err := a.DB.CampaignDials(r.Context(), a.today())
	if err != nil {
		return nil, err
	}
	out := []storage.CampaignInfo{}
	for _, c := range all {
		if canReadCampaign(p, c.Campaign) {
			c.DialsToday = dials[c.ID]
			out = append(out, c)
		}
	}
	return map[string]any{"campaigns": out}, nil
}

// campaignFor reads a campaign the principal may read (404 for one they may not: its existence
// is not theirs to know either).
func (a *API) campaignFor(r *http.Request, manage bool) (storage.CampaignInfo, error) {
	id := r.PathValue("id")
	c, err := a.DB.GetCampaign(r.Context(), id)
	if err != nil {
		return c, err
	}
	p := principal(r)
	if !canReadCampaign(p, c.Campaign) {
		return c, callfloor.NotFound("campaign", id, "no campaign %q", id)
	}
	if manage && !canManageCampaign(p, c.Campaign) {
		return c, forbidden("changing campaign %s needs the operations manager or its project's manager (you are %s)", id, p.Role)
	}
	return c, nil
}

func (a *API) getCampaign(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	return a.campaignFor(r, false)
}

func (a *API) putCampaign(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	id := r.PathValue("id")
	existing, err := a.DB.GetCampaign(r.Context(), id)
	exists := err == nil
	if err != nil && callfloor.ErrorKind(err) != callfloor.ENOTFOUND {
		return nil, err
	}
	if exists && !canManageCampaign(p, existing.Campaign) {
		if !canReadCampaign(p, existing.Campaign) {
			return nil, callfloor.NotFound("campaign", id, "no campaign %q", id)
		}
		return nil, forbidden("changing campaign %s needs the operations manager or its project's manager (you are %s)", id, p.Role)
	}
	in := callfloor.NewCampaign(id, "")
	in.Windows, in.Dispositions = nil, nil
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	in.ID = id
	if len(in.Windows) == 0 && len(in.Dispositions) == 0 && !exists {
		def := callfloor.NewCampaign(id, in.Name) // a new campaign with no windows or dispositions gets the defaults
		in.Windows, in.Dispositions = def.Windows, def.Dispositions
	}
	if !canManageCampaign(p, in) {
		return nil, forbidden("creating a campaign needs the operations manager, or a project manager for their project (you are %s)", p.Role)
	}
	before, err := a.DB.PutCampaign(r.Context(), in)
	if err != nil {
		return nil, err
	}
	if before != nil {
		a.audit(r, "campaign_updated", "campaign", id, map[string]any{"before": before, "after": in})
		return in, nil
	}
	a.audit(r, "campaign_created", "campaign", id, map[string]any{"after": in})
	return created{in}, nil
}

func (a *API) setCampaignStatus(w http.ResponseWriter, r *http.Request) (any, error) {
	c, err := a.campaignFor(r, true)
	if err != nil {
		return nil, err
	}
	var in struct {
		Status string `json:"status"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := a.DB.SetCampaignStatus(r.Context(), c.ID, in.Status); err != nil {
		return nil, err
	}
	a.audit(r, "campaign_status", "campaign", c.ID, map[string]any{"before": c.Status, "after": in.Status})
	return map[string]any{"id": c.ID, "status": in.Status}, nil
}

// maxListFile bounds an uploaded list (a 200,000-row sheet is well under it).
const maxListFile = 32 << 20

// importList takes a multipart form: "file" (CSV or XLSX), "name" (the list's), "mapping"
// (JSON storage.LeadMapping: which header holds the phone, the name, the zone, the custom
// fields). CSV may be UTF-8 (with or without a BOM) or GB18030/GBK, as Excel saves it on a
// Chinese Windows.
func (a *API) importList(w http.ResponseWriter, r *http.Request) (any, error) {
	c, err := a.campaignFor(r, true)
	if err != nil {
		return nil, err
	}
	if err := parseListForm(w, r); err != nil {
		return nil, err
	}
	defer r.MultipartForm.RemoveAll()
	var m storage.LeadMapping
	dec := json.NewDecoder(strings.NewReader(r.FormValue("mapping")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, invalid("mapping", "the column mapping is not JSON such as {\"phone\":\"手机\"}: %v", err).With(callfloor.CodeInvalidJSON, nil)
	}
	filename, header, rows, err := formSheet(r)
	if err != nil {
		return nil, err
	}
	rep, err := a.DB.ImportLeads(r.Context(), c.ID, r.FormValue("name"), filename, principal(r).Username, header, rows, m)
	if err != nil {
		return nil, err
	}
	a.audit(r, "campaign_list_imported", "campaign", c.ID, map[string]any{"list_id": rep.ListID, "file": filename, "total": rep.Total, "loaded": rep.Loaded, "rejected": len(rep.Rejected)})
	return created{rep}, nil
}

// parseListForm parses a list upload's multipart form (bounded by maxListFile).
func parseListForm(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return invalid("body", "send the list as a multipart form (file, name, mapping)").With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "multipart"})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxListFile)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return invalid("file", "larger than %d bytes", maxListFile).With(callfloor.CodeTooLarge, callfloor.Params{"max": maxListFile})
		}
		return invalid("body", "not a multipart form: %v", err).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "multipart"})
	}
	return nil
}

// formSheet reads the form's "file" (CSV or XLSX): its name, header and rows.
func formSheet(r *http.Request) (string, []string, [][]string, error) {
	f, fh, err := r.FormFile("file")
	if err != nil {
		return "", nil, nil, invalid("file", "a CSV or XLSX file is needed").With(callfloor.CodeRequired, nil)
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return "", nil, nil, err
	}
	header, rows, err := readSheet(fh.Filename, data)
	return fh.Filename, header, rows, err
}

// readSheet reads the first sheet of an XLSX, or a CSV, into its header and rows.
func readSheet(name string, data []byte) ([]string, [][]string, error) {
	badFile := func(why string) error {
		return invalid("file", "%s", why).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "csv_or_xlsx", "value": name})
	}
	var all [][]string
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, nil, badFile("not an XLSX workbook")
		}
		defer x.Close()
		sheets := x.GetSheetList()
		if len(sheets) == 0 {
			return nil, nil, badFile("the workbook has no sheet")
		}
		if all, err = x.GetRows(sheets[0]); err != nil {
			return nil, nil, badFile("the first sheet cannot be read")
		}
	case ".csv", ".txt":
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(data) {
			dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
			if err != nil {
				return nil, nil, badFile("neither UTF-8 nor GB18030 text")
			}
			data = dec
		}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		cr.TrimLeadingSpace = true
		var err error
		if all, err = cr.ReadAll(); err != nil {
			return nil, nil, badFile("not a CSV file: " + err.Error())
		}
	default:
		return nil, nil, badFile("a .csv or .xlsx file")
	}
	if len(all) == 0 {
		return nil, nil, badFile("the file is empty: a header row is needed")
	}
	return all[0], all[1:], nil
}

func (a *API) listDNC(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "phone"); err != nil {
		return nil, err
	}
	if p := principal(r); !p.CanConfigure() && p.Role != callfloor.RoleProjectManager && p.Role != callfloor.RoleSupervisor {
		return nil, forbidden("the do-not-call list is for managers and supervisors (you are %s)", p.Role)
	}
	phone := r.URL.Query().Get("phone")
	if phone != "" {
		canon, err := callfloor.CanonicalPhone(phone, "86")
		if err != nil {
			return nil, err
		}
		phone = canon
	}
	list, err := a.DB.ListDNC(r.Context(), phone)
	if err != nil {
		return nil, err
	}
	return map[string]any{"dnc": list}, nil
}

func (a *API) addDNC(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	var in struct {
		Phone    string `json:"phone"`
		Campaign string `json:"campaign"`
		Reason   string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Campaign == "" && !p.CanConfigure() {
		return nil, forbidden("the global do-not-call list is the operations manager's (you are %s)", p.Role)
	}
	if in.Campaign != "" {
		c, err := a.DB.GetCampaign(r.Context(), in.Campaign)
		if err != nil || !canManageCampaign(p, c.Campaign) {
			return nil, forbidden("adding to campaign %s's do-not-call list needs its manager (you are %s)", in.Campaign, p.Role)
		}
	}
	if err := a.DB.AddDNC(r.Context(), in.Phone, in.Campaign, in.Reason, p.Username); err != nil {
		return nil, err
	}
	a.audit(r, "dnc_added", "dnc", in.Phone, map[string]any{"campaign": in.Campaign, "reason": in.Reason})
	return created{in}, nil
}
