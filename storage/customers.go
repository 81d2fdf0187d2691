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

// Customers (issue 14 item 1): a phone number (callfloor.CanonicalPhone) with a name, custom
// fields, tags, notes and the VIP / blacklist flags. A customer row is created by the first
// look at a number that has calls (EnsureCustomer) or by its first edit. The flags live here;
// the ACD reads a copy in Redis (realtime/customers.go) kept up to date by the API and rebuilt
// from FlaggedCustomers at start.

// Customer is one customer. Known is false for a number nobody has edited or called yet (the
// API still answers with it, empty).
type Customer struct {
	Phone           string            `json:"phone"`
	Name            string            `json:"name"`
	Fields          map[string]string `json:"fields"`
	Tags            []string          `json:"tags"`
	VIP             bool              `json:"vip"`
	VIPBy           string            `json:"vip_by,omitempty"`
	VIPAt           *time.Time        `json:"vip_at,omitempty"`
	VIPReason       string            `json:"vip_reason,omitempty"`
	Blacklist       bool              `json:"blacklist"`
	BlacklistBy     string            `json:"blacklist_by,omitempty"`
	BlacklistAt     *time.Time        `json:"blacklist_at,omitempty"`
	BlacklistReason string            `json:"blacklist_reason,omitempty"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	Known           bool              `json:"known"`
}

// CustomerNote is a note an agent wrote on a customer.
type CustomerNote struct {
	ID        int64     `json:"id"`
	Phone     string    `json:"phone"`
	Body      string    `json:"body"`
	Author    string    `json:"author"`
	CallID    string    `json:"call_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

const customerCols = `phone, name, fields, tags, vip, coalesce(vip_by, ''), vip_at, vip_reason,
	blacklist, coalesce(blacklist_by, ''), blacklist_at, blacklist_reason, created_at, updated_at`

func scanCustomer(row pgx.Row) (*Customer, error) {
	var c Customer
	err := row.Scan(&c.Phone, &c.Name, &c.Fields, &c.Tags, &c.VIP, &c.VIPBy, &c.VIPAt, &c.VIPReason,
		&c.Blacklist, &c.BlacklistBy, &c.BlacklistAt, &c.BlacklistReason, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	c.Known = true
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	return &c, nil
}

// Customer returns the customer of a canonical number; an unknown number gives an empty,
// not Known, customer.
func (db *DB) Customer(ctx context.Context, phone string) (*Customer, error) {
	c, err := scanCustomer(db.Pool.QueryRow(ctx, `SELECT `+customerCols+` FROM customers WHERE phone = $1`, phone))
	if errors.Is(err, pgx.ErrNoRows) {
		return &Customer{Phone: phone, Fields: map[string]string{}, Tags: []string{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("customer: %w", err)
	}
	return c, nil
}

// EnsureCustomer creates the customer of a number that has calls (its first call makes it a
// customer) and returns it; a number without calls is returned not Known, and not created.
func (db *DB) EnsureCustomer(ctx context.Context, phone string) (*Customer, error) {
	_, err := db.Pool.Exec(ctx, `INSERT INTO customers (phone, created_at, updated_at)
		SELECT $1, min(entered_at), min(entered_at) FROM calls WHERE caller_number = ANY($2) OR called_number = ANY($2)
		HAVING count(*) > 0
		ON CONFLICT (phone) DO NOTHING`, phone, callfloor.PhoneVariants(phone))
	if err != nil {
		return nil, fmt.Errorf("ensure customer: %w", err)
	}
	return db.Customer(ctx, phone)
}

// CustomerEdit is what an agent may change on a customer: nil leaves the value as it is.
type CustomerEdit struct {
	Name   *string            `json:"name"`
	Fields *map[string]string `json:"fields"`
	Tags   *[]string          `json:"tags"`
}

// UpdateCustomer applies an edit, creating the customer on its first edit.
func (db *DB) UpdateCustomer(ctx context.Context, phone string, e CustomerEdit, now time.Time) (*Customer, error) {
	var fields any
	if e.Fields != nil {
		fields = *e.Fields
	}
	var tags any
	if e.Tags != nil {
		tags = *e.Tags
	}
	c, err := scanCustomer(db.Pool.QueryRow(ctx, `INSERT INTO customers (phone, name, fields, tags, created_at, updated_at)
		VALUES ($1, coalesce($2, ''), coalesce($3::jsonb, '{}'), coalesce($4::text[], '{}'), $5, $5)
		ON CONFLICT (phone) DO UPDATE SET name = coalesce($2, customers.name), fields = coalesce($3::jsonb, customers.fields),
			tags = coalesce($4::text[], customers.tags), updated_at = $5
		RETURNING `+customerCols, phone, e.Name, fields, tags, now))
	if err != nil {
		return nil, fmt.Errorf("update customer: %w", err)
	}
	return c, nil
}

// SetCustomerFlag sets (on) or clears a flag (callfloor.FlagVIP or FlagBlacklist), saying who,
// when and why; the customer is created if need be. It returns the customer after the change.
func (db *DB) SetCustomerFlag(ctx context.Context, phone, flag string, on bool, by, reason string, now time.Time) (*Customer, error) {
	var col string
	switch flag {
	case callfloor.FlagVIP:
		col = "vip"
	case callfloor.FlagBlacklist:
		col = "blacklist"
	default:
		return nil, callfloor.Invalid("flag", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{callfloor.FlagVIP, callfloor.FlagBlacklist}, "value": flag}, "unknown flag %q", flag)
	}
	if !on {
		reason = ""
	}
	// col is one of two constants above, never user input
	q := fmt.Sprintf(`INSERT INTO customers (phone, %[1]s, %[1]s_by, %[1]s_at, %[1]s_reason, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $4, $4)
		ON CONFLICT (phone) DO UPDATE SET %[1]s = $2, %[1]s_by = $3, %[1]s_at = $4, %[1]s_reason = $5, updated_at = $4
		RETURNING `+customerCols, col)
	c, err := scanCustomer(db.Pool.QueryRow(ctx, q, phone, on, by, now, reason))
	if err != nil {
		return nil, fmt.Errorf("set customer flag: %w", err)
	}
	return c, nil
}

// FlaggedCustomers returns every number with a flag the ACD acts on (callfloor.CustomerFlag).
func (db *DB) FlaggedCustomers(ctx context.Context) (map[string]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT phone, vip, blacklist FROM customers WHERE vip OR blacklist`)
	if err != nil {
		return nil, fmt.Errorf("flagged customers: %w", err)
	}
	out := map[string]string{}
	var phone string
	var vip, bl bool
	_, err = pgx.ForEachRow(rows, []any{&phone, &vip, &bl}, func() error {
		out[phone] = callfloor.CustomerFlag(vip, bl)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("flagged customers: %w", err)
	}
	return out, nil
}

// AddCustomerNote writes a note on a customer (created if need be).
func (db *DB) AddCustomerNote(ctx context.Context, phone, body, author, callID string, now time.Time) (*CustomerNote, error) {
	n := CustomerNote{Phone: phone, Body: body, Author: author, CallID: callID, CreatedAt: now}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO customers (phone, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (phone) DO NOTHING`, phone, now); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO customer_notes (phone, body, author, call_id, created_at) VALUES ($1, $2, $3, nullif($4, ''), $5) RETURNING id`,
			phone, body, author, callID, now).Scan(&n.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("add customer note: %w", err)
	}
	return &n, nil
}

// CustomerHasCallsIn reports whether the number has a call in one of the queues (a project
// manager sees the customers of their projects' calls).
func (db *DB) CustomerHasCallsIn(ctx context.Context, phone string, queues []string) (bool, error) {
	var ok bool
	err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calls WHERE (caller_number = ANY($1) OR called_number = ANY($1)) AND queue = ANY($2))`,
		callfloor.PhoneVariants(phone), queues).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("customer scope: %w", err)
	}
	return ok, nil
}

// CustomerHit is one search result: the customer, and where the text matched when it matched
// a note ("note" or "disposition") with the matching text.
type CustomerHit struct {
	Customer
	MatchedIn string `json:"matched_in,omitempty"`
	Snippet   string `json:"snippet,omitempty"`
}

// SearchCustomers finds customers by part of their number, their name, a tag, or text in their
// notes or in their calls' disposition notes (case-insensitive substring: a two-character
// Chinese word is found inside a sentence; the trigram indexes serve longer terms). scope,
// when not nil, keeps the customers with a call in those queues (a project manager's). At
// most limit, flagged and recently updated first.
func (db *DB) SearchCustomers(ctx context.Context, q string, scope []string, limit int) ([]CustomerHit, error) {
	q = strings.TrimSpace(q)
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	like := "%" + escapeLike(q) + "%"
	digits := callfloor.NormalizeNumber(q)
	digitLike := ""
	if d := strings.TrimPrefix(digits, "+"); d != "" && strings.Trim(d, "0123456789") == "" {
		digitLike = "%" + d + "%"
	}
	rows, err := db.Pool.Query(ctx, `WITH hits AS (
		SELECT c.phone, '' AS matched_in, '' AS snippet FROM customers c
		WHERE $1 = '' OR c.name ILIKE $2 OR ($3 <> '' AND c.phone LIKE $3) OR EXISTS (SELECT 1 FROM unnest(c.tags) t WHERE t ILIKE $2)
		UNION ALL
		SELECT n.phone, 'note', n.body FROM customer_notes n WHERE $1 <> '' AND n.body ILIKE $2
		UNION ALL
		SELECT cu.phone, 'disposition', d.note FROM call_dispositions d
		JOIN calls ca ON ca.id = d.call_id
		JOIN customers cu ON cu.phone IN (cust_canon(ca.caller_number), cust_canon(ca.called_number))
		WHERE $1 <> '' AND d.note <> '' AND d.note ILIKE $2
	), best AS (
		SELECT DISTINCT ON (phone) phone, matched_in, snippet FROM hits ORDER BY phone, matched_in
	)
	SELECT `+prefixCols("c.", customerCols)+`, b.matched_in, b.snippet FROM best b JOIN customers c ON c.phone = b.phone
	WHERE $4::text[] IS NULL OR EXISTS (SELECT 1 FROM calls ca WHERE (ca.caller_number = ANY(cust_variants(c.phone)) OR ca.called_number = ANY(cust_variants(c.phone))) AND ca.queue = ANY($4))
	ORDER BY (c.vip OR c.blacklist) DESC, c.updated_at DESC, c.phone LIMIT $5`, q, like, digitLike, scope, limit)
	if err != nil {
		return nil, fmt.Errorf("search customers: %w", err)
	}
	defer rows.Close()
	var out []CustomerHit
	for rows.Next() {
		var h CustomerHit
		c := &h.Customer
		if err := rows.Scan(&c.Phone, &c.Name, &c.Fields, &c.Tags, &c.VIP, &c.VIPBy, &c.VIPAt, &c.VIPReason,
			&c.Blacklist, &c.BlacklistBy, &c.BlacklistAt, &c.BlacklistReason, &c.CreatedAt, &c.UpdatedAt, &h.MatchedIn, &h.Snippet); err != nil {
			return nil, fmt.Errorf("search customers: %w", err)
		}
		c.Known = true
		if c.Tags == nil {
			c.Tags = []string{}
		}
		if c.Fields == nil {
			c.Fields = map[string]string{}
		}
		if h.Snippet != "" {
			h.Snippet = Snippet(h.Snippet, q, 40)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// prefixCols qualifies each column of a column list with a table alias.
func prefixCols(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if strings.HasPrefix(p, "coalesce(") {
			parts[i] = "coalesce(" + alias + strings.TrimPrefix(p, "coalesce(")
		} else {
			parts[i] = alias + p
		}
	}
	// coalesce(x, '') split at its comma: put the pieces back together
	return strings.ReplaceAll(strings.Join(parts, ", "), ", "+alias+"'')", ", '')")
}

// escapeLike escapes LIKE's wildcards in user text.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Snippet returns up to about width characters of text on each side of the first
// case-insensitive occurrence of term, with the term marked «like this» — the UI turns the
// marks into a highlight after escaping the text, so no HTML ever comes from the data.
func Snippet(text, term string, width int) string {
	rt := []rune(text)
	lower := []rune(strings.ToLower(text))
	lt := []rune(strings.ToLower(strings.TrimSpace(term)))
	at := -1
	if len(lt) > 0 && len(lower) == len(rt) {
		for i := 0; i+len(lt) <= len(lower); i++ {
			if string(lower[i:i+len(lt)]) == string(lt) {
				at = i
				break
			}
		}
	}
	if at < 0 {
		if len(rt) > 2*width {
			return string(rt[:2*width]) + "…"
		}
		return text
	}
	from, to := max(0, at-width), min(len(rt), at+len(lt)+width)
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	b.WriteString(string(rt[from:at]))
	b.WriteString("«" + string(rt[at:at+len(lt)]) + "»")
	b.WriteString(string(rt[at+len(lt) : to]))
	if to < len(rt) {
		b.WriteString("…")
	}
	return b.String()
}
