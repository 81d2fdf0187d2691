package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Scripts and the knowledge base (issue 14 item 5). Every save of an article is a version
// (kb_versions holds each one whole); restoring an old version saves it again as the newest.
// An article has an owner and a review date: past it, the article is flagged to its owner and
// on the KB page ("one answer for everyone" stays current).
//
// Search is a case-insensitive substring match of every term over title, body and tags
// (search_text): correct for Chinese, where a word of two characters sits inside a sentence
// with no spaces, and in any locale (it does not depend on how pg_trgm splits words). The GIN
// trigram index on search_text serves the terms of three characters or more; results are
// ranked title matches first, then by the title's trigram similarity to the query (the
// body's word_similarity cost 0.5 s over 3000 long articles; the title's is cheap).

// KB article statuses.
const (
	KBDraft     = "draft"
	KBPublished = "published"
)

// KBCategory is a node of the category tree.
type KBCategory struct {
	ID       int64  `json:"id"`
	ParentID *int64 `json:"parent_id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
}

// KBArticle is an article (or a script) as it is now.
type KBArticle struct {
	ID         int64     `json:"id"`
	CategoryID *int64    `json:"category_id"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	Tags       []string  `json:"tags"`
	Queues     []string  `json:"queues"`
	Status     string    `json:"status"`
	Owner      string    `json:"owner"`
	ReviewOn   *string   `json:"review_on"` // a date, 2006-01-02
	Version    int       `json:"version"`
	UpdatedBy  string    `json:"updated_by"`
	UpdatedAt  time.Time `json:"updated_at"`
	CreatedAt  time.Time `json:"created_at"`
	ReviewDue  bool      `json:"review_due"`        // the review date has passed
	Snippet    string    `json:"snippet,omitempty"` // search results: the text around the first term, marked «…»
}

// KBVersion is one saved version of an article.
type KBVersion struct {
	ArticleID  int64     `json:"article_id"`
	Version    int       `json:"version"`
	CategoryID *int64    `json:"category_id"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	Tags       []string  `json:"tags"`
	Queues     []string  `json:"queues"`
	Status     string    `json:"status"`
	Owner      string    `json:"owner"`
	ReviewOn   *string   `json:"review_on"`
	SavedBy    string    `json:"saved_by"`
	SavedAt    time.Time `json:"saved_at"`
	Note       string    `json:"note"`
}

const kbCols = `a.id, a.category_id, a.title, a.body, a.tags, a.queues, a.status, a.owner, to_char(a.review_on, 'YYYY-MM-DD'),
	a.version, a.updated_by, a.updated_at, a.created_at, coalesce(a.review_on < $1::date, false)`

func scanKB(row pgx.Row, extra ...any) (*KBArticle, error) {
	var a KBArticle
	dest := append([]any{&a.ID, &a.CategoryID, &a.Title, &a.Body, &a.Tags, &a.Queues, &a.Status, &a.Owner, &a.ReviewOn,
		&a.Version, &a.UpdatedBy, &a.UpdatedAt, &a.CreatedAt, &a.ReviewDue}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if a.Queues == nil {
		a.Queues = []string{}
	}
	return &a, nil
}

func kbNotFound(id int64) error {
	return &callfloor.Error{Code: callfloor.ENOTFOUND, Message: fmt.Sprintf("article %d not found", id)}
}

// KBCategories lists the category tree (parents before children, by position then name).
func (db *DB) KBCategories(ctx context.Context) ([]KBCategory, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, parent_id, name, position FROM kb_categories ORDER BY parent_id NULLS FIRST, position, name, id`)
	if err != nil {
		return nil, fmt.Errorf("kb categories: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (KBCategory, error) {
		var c KBCategory
		return c, r.Scan(&c.ID, &c.ParentID, &c.Name, &c.Position)
	})
	if err != nil {
		return nil, fmt.Errorf("kb categories: %w", err)
	}
	return out, nil
}

// CreateKBCategory adds a category under parent (nil: at the top).
func (db *DB) CreateKBCategory(ctx context.Context, c KBCategory) (KBCategory, error) {
	err := db.Pool.QueryRow(ctx, `INSERT INTO kb_categories (parent_id, name, position) VALUES ($1, $2, $3) RETURNING id`,
		c.ParentID, c.Name, c.Position).Scan(&c.ID)
	if err != nil {
		var pe interface{ SQLState() string }
		if errors.As(err, &pe) && pe.SQLState() == "23503" {
			return c, callfloor.Invalid("parent_id", callfloor.CodeUnknownRef, callfloor.Params{"what": "category", "value": *c.ParentID}, "no category %d", *c.ParentID)
		}
		return c, fmt.Errorf("create kb category: %w", err)
	}
	return c, nil
}

// KBArticle returns an article; today (its date as written, whatever its zone) decides ReviewDue.
func (db *DB) KBArticle(ctx context.Context, id int64, today time.Time) (*KBArticle, error) {
	a, err := scanKB(db.Pool.QueryRow(ctx, `SELECT `+kbCols+` FROM kb_articles a WHERE a.id = $2`, today.Format(time.DateOnly), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, kbNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("kb article: %w", err)
	}
	return a, nil
}

const kbVersionInsert = `INSERT INTO kb_versions (article_id, version, category_id, title, body, tags, queues, status, owner, review_on, saved_by, saved_at, note)
	SELECT id, version, category_id, title, body, tags, queues, status, owner, review_on, updated_by, updated_at, $2 FROM kb_articles WHERE id = $1`

// SaveKBArticle creates (a.ID == 0) or updates an article, as a new version saved by `by`.
// expectVersion, when not 0, must be the article's current version (else CodeConcurrentEdit:
// someone else saved it meanwhile). note says what changed (shown in the history).
func (db *DB) SaveKBArticle(ctx context.Context, a KBArticle, expectVersion int, by, note string, now time.Time) (*KBArticle, error) {
	var id int64
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if a.Queues == nil {
		a.Queues = []string{}
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if a.ID == 0 {
			if err := tx.QueryRow(ctx, `INSERT INTO kb_articles (category_id, title, body, tags, queues, status, owner, review_on, version, updated_by, updated_at, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, 1, $9, $10, $10) RETURNING id`,
				a.CategoryID, a.Title, a.Body, a.Tags, a.Queues, a.Status, a.Owner, a.ReviewOn, by, now).Scan(&id); err != nil {
				return err
			}
		} else {
			var cur int
			err := tx.QueryRow(ctx, `SELECT version FROM kb_articles WHERE id = $1 FOR UPDATE`, a.ID).Scan(&cur)
			if errors.Is(err, pgx.ErrNoRows) {
				return kbNotFound(a.ID)
			}
			if err != nil {
				return err
			}
			if expectVersion != 0 && cur != expectVersion {
				return &callfloor.Error{Code: callfloor.CodeConcurrentEdit, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"version": cur},
					Message: fmt.Sprintf("article %d is at version %d, not %d: someone saved it meanwhile", a.ID, cur, expectVersion)}
			}
			id = a.ID
			if _, err := tx.Exec(ctx, `UPDATE kb_articles SET category_id = $2, title = $3, body = $4, tags = $5, queues = $6, status = $7,
				owner = $8, review_on = $9::date, version = version + 1, updated_by = $10, updated_at = $11 WHERE id = $1`,
				id, a.CategoryID, a.Title, a.Body, a.Tags, a.Queues, a.Status, a.Owner, a.ReviewOn, by, now); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, kbVersionInsert, id, note)
		return err
	})
	if err != nil {
		var pe interface{ SQLState() string }
		if errors.As(err, &pe) && pe.SQLState() == "23503" && a.CategoryID != nil {
			return nil, callfloor.Invalid("category_id", callfloor.CodeUnknownRef, callfloor.Params{"what": "category", "value": *a.CategoryID}, "no category %d", *a.CategoryID)
		}
		if callfloor.ErrorCode(err) != callfloor.EINTERNAL {
			return nil, err
		}
		return nil, fmt.Errorf("save kb article: %w", err)
	}
	return db.KBArticle(ctx, id, now)
}

// KBVersions lists an article's versions, newest first.
func (db *DB) KBVersions(ctx context.Context, id int64) ([]KBVersion, error) {
	rows, err := db.Pool.Query(ctx, `SELECT article_id, version, category_id, title, body, tags, queues, status, owner,
		to_char(review_on, 'YYYY-MM-DD'), saved_by, saved_at, note FROM kb_versions WHERE article_id = $1 ORDER BY version DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("kb versions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (KBVersion, error) {
		var v KBVersion
		return v, r.Scan(&v.ArticleID, &v.Version, &v.CategoryID, &v.Title, &v.Body, &v.Tags, &v.Queues, &v.Status, &v.Owner,
			&v.ReviewOn, &v.SavedBy, &v.SavedAt, &v.Note)
	})
	if err != nil {
		return nil, fmt.Errorf("kb versions: %w", err)
	}
	if len(out) == 0 {
		return nil, kbNotFound(id)
	}
	return out, nil
}

// RestoreKBVersion saves an old version's content again as the article's newest version.
func (db *DB) RestoreKBVersion(ctx context.Context, id int64, version int, by string, now time.Time) (*KBArticle, error) {
	vs, err := db.KBVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Version == version {
			a := KBArticle{ID: id, CategoryID: v.CategoryID, Title: v.Title, Body: v.Body, Tags: v.Tags, Queues: v.Queues,
				Status: v.Status, Owner: v.Owner, ReviewOn: v.ReviewOn}
			return db.SaveKBArticle(ctx, a, 0, by, fmt.Sprintf("restored:%d", version), now)
		}
	}
	return nil, callfloor.Invalid("version", callfloor.CodeUnknownRef, callfloor.Params{"what": "version", "value": version}, "article %d has no version %d", id, version)
}

// DeleteKBArticle removes an article and its versions.
func (db *DB) DeleteKBArticle(ctx context.Context, id int64) error {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM kb_articles WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete kb article: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return kbNotFound(id)
	}
	return nil
}

// KBQuery is a search of the knowledge base.
type KBQuery struct {
	Text          string // every blank-separated term must appear in the title, body or tags
	Queue         string // suggested for this queue
	Category      int64  // in this category or below it
	Owner         string
	PublishedOnly bool // agents read published articles only
	ReviewDue     bool // only articles past their review date
	Limit         int  // 1..200, default 50
}

// SearchKB finds articles (see the file comment for how), with a snippet around the first
// term. today decides ReviewDue.
func (db *DB) SearchKB(ctx context.Context, q KBQuery, today time.Time) ([]KBArticle, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	terms := strings.Fields(q.Text)
	if len(terms) > 8 {
		terms = terms[:8]
	}
	args := []any{today.Format(time.DateOnly)}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := []string{"true"}
	for _, t := range terms {
		where = append(where, "a.search_text ILIKE "+arg("%"+escapeLike(t)+"%"))
	}
	if q.Queue != "" {
		where = append(where, arg(q.Queue)+" = ANY(a.queues)")
	}
	if q.Category != 0 {
		where = append(where, `a.category_id IN (WITH RECURSIVE sub AS (SELECT id FROM kb_categories WHERE id = `+arg(q.Category)+
			` UNION ALL SELECT c.id FROM kb_categories c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub)`)
	}
	if q.Owner != "" {
		where = append(where, "a.owner = "+arg(q.Owner))
	}
	if q.PublishedOnly {
		where = append(where, "a.status = 'published'")
	}
	if q.ReviewDue {
		where = append(where, "a.review_on < $1::date")
	}
	order := "a.updated_at DESC, a.id DESC"
	if len(terms) > 0 {
		t := arg(strings.Join(terms, " "))
		order = "(a.title ILIKE " + arg("%"+escapeLike(terms[0])+"%") + ") DESC, similarity(" + t + ", a.title) DESC, " + order
	}
	rows, err := db.Pool.Query(ctx, `SELECT `+kbCols+` FROM kb_articles a WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` LIMIT `+arg(q.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("search kb: %w", err)
	}
	defer rows.Close()
	var out []KBArticle
	for rows.Next() {
		a, err := scanKB(rows)
		if err != nil {
			return nil, fmt.Errorf("search kb: %w", err)
		}
		if len(terms) > 0 {
			a.Snippet = Snippet(a.Title+" — "+a.Body, terms[0], 40)
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}
