package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Deleting a knowledge-base category: refused while articles are in it, unless they are moved
// to another category in the same transaction; refused while it has subcategories (the table
// would cascade them away with their articles' category).
const (
	CodeKBCategoryNotEmpty    = "kb_category_not_empty"    // params: what, value (the name), articles
	CodeKBCategoryHasChildren = "kb_category_has_children" // params: what, value (the name), children
)

func init() {
	callfloor.RegisterCode(CodeKBCategoryNotEmpty, callfloor.ECONFLICT)
	callfloor.RegisterCode(CodeKBCategoryHasChildren, callfloor.ECONFLICT)
}

// DeleteKBCategory deletes category id. Its articles go to moveTo (nil: the delete is refused
// while it has any); an article moved keeps its version (its text did not change). It returns the
// deleted category's name and how many articles were moved.
func (db *DB) DeleteKBCategory(ctx context.Context, id int64, moveTo *int64) (string, int64, error) {
	var name string
	var moved int64
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT name FROM kb_categories WHERE id = $1 FOR UPDATE`, id).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return &callfloor.Error{Code: callfloor.ENOTFOUND, Params: callfloor.Params{"what": "kb_category", "value": id}, Message: fmt.Sprintf("category %d not found", id)}
		}
		if err != nil {
			return err
		}
		var children, articles int64
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM kb_categories WHERE parent_id = $1), (SELECT count(*) FROM kb_articles WHERE category_id = $1)`, id).Scan(&children, &articles); err != nil {
			return err
		}
		if children > 0 {
			return &callfloor.Error{Code: CodeKBCategoryHasChildren, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"what": "kb_category", "value": name, "children": children},
				Message: fmt.Sprintf("category %q has %d subcategories: delete or move them first", name, children)}
		}
		if articles > 0 && moveTo == nil {
			return &callfloor.Error{Code: CodeKBCategoryNotEmpty, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"what": "kb_category", "value": name, "articles": articles},
				Message: fmt.Sprintf("category %q still has %d articles: move them to another category (move_to) first", name, articles)}
		}
		if moveTo != nil {
			if *moveTo == id {
				return callfloor.Invalid("move_to", callfloor.CodeNotAllowed, callfloor.Params{"value": *moveTo}, "the articles cannot move to the category being deleted")
			}
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM kb_categories WHERE id = $1)`, *moveTo).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return callfloor.Invalid("move_to", callfloor.CodeUnknownRef, callfloor.Params{"what": "kb_category", "value": *moveTo}, "no category %d", *moveTo)
			}
			tag, err := tx.Exec(ctx, `UPDATE kb_articles SET category_id = $2 WHERE category_id = $1`, id, *moveTo)
			if err != nil {
				return err
			}
			moved = tag.RowsAffected()
		}
		_, err = tx.Exec(ctx, `DELETE FROM kb_categories WHERE id = $1`, id)
		return err
	})
	return name, moved, err
}
