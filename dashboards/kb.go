package dashboards

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Scripts and the knowledge base (issue 14 items 5–6). Everyone signed in reads published
// articles (the desktop's KB panel); editors (QA, trainers, team leads and above:
// Principal.CanEditKB) also read drafts, write, read the version history and restore. Every save
// is audited.

// Limits of an article.
const (
	MaxKBTitle    = 200
	MaxKBBody     = 50_000
	MaxKBTags     = 20
	MaxKBTag      = 30
	MaxKBCategory = 60
)

func (a *API) registerKB(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/kb/categories", a.kbCategories)
	h("POST /api/v1/kb/categories", a.createKBCategory)
	h("DELETE /api/v1/kb/categories/{id}", a.deleteKBCategory)
	h("GET /api/v1/kb/articles", a.searchKB)
	h("POST /api/v1/kb/articles", a.createKBArticle)
	h("GET /api/v1/kb/articles/{id}", a.getKBArticle)
	h("PUT /api/v1/kb/articles/{id}", a.updateKBArticle)
	h("DELETE /api/v1/kb/articles/{id}", a.deleteKBArticle)
	h("GET /api/v1/kb/articles/{id}/versions", a.kbVersions)
	h("POST /api/v1/kb/articles/{id}/versions/{version}/restore", a.restoreKBVersion)
}

func requireKBEditor(r *http.Request) error {
	if p := principal(r); !p.CanEditKB() {
		return forbidden("%s %q may not edit the knowledge base (QA, trainers, team leads and above)", p.Role, p.Username)
	}
	return nil
}

func requireSignedIn(r *http.Request) error {
	if !principal(r).Role.Valid() {
		return forbidden("no role")
	}
	return nil
}

func kbPathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, invalid(name, "not an id: %q", v).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": v})
	}
	return n, nil
}

func (a *API) kbCategories(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireSignedIn(r); err != nil {
		return nil, err
	}
	cs, err := a.DB.KBCategories(r.Context())
	if err != nil {
		return nil, err
	}
	if cs == nil {
		cs = []storage.KBCategory{}
	}
	return map[string]any{"categories": cs}, nil
}

func (a *API) createKBCategory(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireKBEditor(r); err != nil {
		return nil, err
	}
	var c storage.KBCategory
	if err := decode(r, &c); err != nil {
		return nil, err
	}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return nil, invalid("name", "required").With(callfloor.CodeRequired, nil)
	}
	if utf8.RuneCountInString(c.Name) > MaxKBCategory {
		return nil, tooLong("name", MaxKBCategory)
	}
	c, err := a.DB.CreateKBCategory(r.Context(), c)
	if err != nil {
		return nil, err
	}
	a.audit(r, "kb_category_created", "kb_category", strconv.FormatInt(c.ID, 10), map[string]any{"name": c.Name})
	return created{c}, nil
}

func (a *API) searchKB(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "q", "queue", "category", "owner", "review_due", "limit"); err != nil {
		return nil, err
	}
	if err := requireSignedIn(r); err != nil {
		return nil, err
	}
	v := r.URL.Query()
	q := storage.KBQuery{Text: strings.TrimSpace(v.Get("q")), Queue: v.Get("queue"), Owner: v.Get("owner"), PublishedOnly: !principal(r).CanEditKB()}
	if utf8.RuneCountInString(q.Text) > 100 {
		return nil, tooLong("q", 100)
	}
	if c := v.Get("category"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			return nil, invalid("category", "not an id: %q", c).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": c})
		}
		q.Category = n
	}
	switch v.Get("review_due") {
	case "", "false", "0":
	case "true", "1":
		q.ReviewDue = true
	default:
		return nil, invalid("review_due", "true or false").With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"true", "false"}, "value": v.Get("review_due")})
	}
	limit, err := intParam(v.Get("limit"), "limit", 50, 1, 200)
	if err != nil {
		return nil, err
	}
	q.Limit = limit
	as, err := a.DB.SearchKB(r.Context(), q, a.today())
	if err != nil {
		return nil, err
	}
	if as == nil {
		as = []storage.KBArticle{}
	}
	return map[string]any{"articles": as}, nil
}

func (a *API) getKBArticle(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireSignedIn(r); err != nil {
		return nil, err
	}
	id, err := kbPathID(r, "id")
	if err != nil {
		return nil, err
	}
	art, err := a.DB.KBArticle(r.Context(), id, a.today())
	if err != nil {
		return nil, err
	}
	if art.Status != storage.KBPublished && !principal(r).CanEditKB() {
		return nil, &callfloor.Error{Code: callfloor.ENOTFOUND, Message: "article not found"} // a draft is not there for agents
	}
	return art, nil
}

// KBArticleIn is an article as the editor sends it; Version (on update) is the version the
// edit started from.
type KBArticleIn struct {
	CategoryID *int64   `json:"category_id"`
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	Tags       []string `json:"tags"`
	Queues     []string `json:"queues"`
	Status     string   `json:"status"`
	Owner      string   `json:"owner"`
	ReviewOn   *string  `json:"review_on"`
	Version    int      `json:"version"`
	Note       string   `json:"note"` // what changed, for the history
}

func (a *API) kbArticleFromInput(r *http.Request) (storage.KBArticle, KBArticleIn, error) {
	var in KBArticleIn
	if err := decode(r, &in); err != nil {
		return storage.KBArticle{}, in, err
	}
	in.Title = strings.TrimSpace(in.Title)
	switch {
	case in.Title == "":
		return storage.KBArticle{}, in, invalid("title", "required").With(callfloor.CodeRequired, nil)
	case utf8.RuneCountInString(in.Title) > MaxKBTitle:
		return storage.KBArticle{}, in, tooLong("title", MaxKBTitle)
	case utf8.RuneCountInString(in.Body) > MaxKBBody:
		return storage.KBArticle{}, in, tooLong("body", MaxKBBody)
	case utf8.RuneCountInString(in.Note) > 200:
		return storage.KBArticle{}, in, tooLong("note", 200)
	}
	if in.Status == "" {
		in.Status = storage.KBDraft
	}
	if in.Status != storage.KBDraft && in.Status != storage.KBPublished {
		return storage.KBArticle{}, in, invalid("status", "draft or published").With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{storage.KBDraft, storage.KBPublished}, "value": in.Status})
	}
	tags := []string{}
	for _, t := range in.Tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
			if utf8.RuneCountInString(t) > MaxKBTag {
				return storage.KBArticle{}, in, tooLong("tags", MaxKBTag)
			}
			tags = append(tags, t)
		}
	}
	if len(tags) > MaxKBTags {
		return storage.KBArticle{}, in, invalid("tags", "at most %d tags", MaxKBTags).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxKBTags})
	}
	queues := []string{}
	for _, q := range in.Queues {
		if _, err := a.ACD.Queue(q); err != nil {
			return storage.KBArticle{}, in, invalid("queues", "no queue %q", q).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "queue", "value": q})
		}
		if !slices.Contains(queues, q) {
			queues = append(queues, q)
		}
	}
	if in.ReviewOn != nil && *in.ReviewOn == "" {
		in.ReviewOn = nil
	}
	if in.ReviewOn != nil {
		if _, err := time.Parse(time.DateOnly, *in.ReviewOn); err != nil {
			return storage.KBArticle{}, in, invalid("review_on", "not a date: %q", *in.ReviewOn).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": *in.ReviewOn})
		}
	}
	in.Owner = strings.TrimSpace(in.Owner)
	if in.Owner == "" {
		in.Owner = principal(r).Username
	}
	if len(in.Owner) > 200 {
		return storage.KBArticle{}, in, tooLong("owner", 200)
	}
	return storage.KBArticle{CategoryID: in.CategoryID, Title: in.Title, Body: in.Body, Tags: tags, Queues: queues,
		Status: in.Status, Owner: in.Owner, ReviewOn: in.ReviewOn}, in, nil
}

func (a *API) createKBArticle(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireKBEditor(r); err != nil {
		return nil, err
	}
	art, in, err := a.kbArticleFromInput(r)
	if err != nil {
		return nil, err
	}
	saved, err := a.DB.SaveKBArticle(r.Context(), art, 0, principal(r).Username, in.Note, time.Now())
	if err != nil {
		return nil, err
	}
	a.audit(r, "kb_article_created", "kb_article", strconv.FormatInt(saved.ID, 10), map[string]any{"title": saved.Title, "status": saved.Status})
	return created{saved}, nil
}

func (a *API) updateKBArticle(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireKBEditor(r); err != nil {
		return nil, err
	}
	id, err := kbPathID(r, "id")
	if err != nil {
		return nil, err
	}
	art, in, err := a.kbArticleFromInput(r)
	if err != nil {
		return nil, err
	}
	art.ID = id
	saved, err := a.DB.SaveKBArticle(r.Context(), art, in.Version, principal(r).Username, in.Note, time.Now())
	if err != nil {
		return nil, err
	}
	a.audit(r, "kb_article_updated", "kb_article", strconv.FormatInt(id, 10), map[string]any{"title": saved.Title, "version": saved.Version, "status": saved.Status})
	return saved, nil
}

// deleteKBCategory deletes a category; ?move_to=ID moves its articles there first (without it,
// a category with articles is refused: storage.DeleteKBCategory).
func (a *API) deleteKBCategory(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireKBEditor(r); err != nil {
		return nil, err
	}
	if err := checkParams(r, "move_to"); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, invalid("id", "not an id: %q", r.PathValue("id")).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": r.PathValue("id")})
	}
	var moveTo *int64
	if v := r.URL.Query().Get("move_to"); v != "" {
		m, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, invalid("move_to", "not an id: %q", v).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": v})
		}
		moveTo = &m
	}
	name, moved, err := a.DB.DeleteKBCategory(r.Context(), id, moveTo)
	if err != nil {
		return nil, err
	}
	detail := map[string]any{"name": name, "articles_moved": moved}
	if moveTo != nil {
		detail["move_to"] = *moveTo
	}
	a.audit(r, "kb_category_deleted", "kb_category", strconv.FormatInt(id, 10), detail)
	return map[string]any{"deleted": id, "articles_moved": moved}, nil
}

func (a *API) deleteKBArticle(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireKBEditor(r); err != nil {
		return nil, err
	}
	id, err := kbPathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := a.DB.DeleteKBArticle(r.Context(), id); err != nil {
		return nil, err
	}
	a.audit(r, "kb_article_deleted", "kb_article", strconv.FormatInt(id, 10), nil)
	return map[string]any{"deleted": id}, nil
}

func (a *API) kbVersions(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireKBEditor(r); err != nil {
		return nil, err
	}
	id, err := kbPathID(r, "id")
	if err != nil {
		return nil, err
	}
	vs, err := a.DB.KBVersions(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"versions": vs}, nil
}

func (a *API) restoreKBVersion(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireKBEditor(r); err != nil {
		return nil, err
	}
	id, err := kbPathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := kbPathID(r, "version")
	if err != nil {
		return nil, err
	}
	saved, err := a.DB.RestoreKBVersion(r.Context(), id, int(v), principal(r).Username, time.Now())
	if err != nil {
		return nil, err
	}
	a.audit(r, "kb_version_restored", "kb_article", strconv.FormatInt(id, 10), map[string]any{"restored": v, "version": saved.Version})
	return saved, nil
}
