package storage

import (
	"strconv"
	"strings"
)

// sqlWhere builds a WHERE clause whose values all travel as parameters, never as text.
type sqlWhere struct {
	conds []string
	args  []any
}

// add appends a condition. With one value every '?' in cond is that value's parameter; with
// several, the i-th '?' is the i-th value.
func (w *sqlWhere) add(cond string, vals ...any) {
	if len(vals) == 1 {
		w.args = append(w.args, vals[0])
		w.conds = append(w.conds, strings.ReplaceAll(cond, "?", w.param()))
		return
	}
	var b strings.Builder
	for _, v := range vals {
		i := strings.IndexByte(cond, '?')
		if i < 0 {
			break
		}
		w.args = append(w.args, v)
		b.WriteString(cond[:i])
		b.WriteString(w.param())
		cond = cond[i+1:]
	}
	b.WriteString(cond)
	w.conds = append(w.conds, b.String())
}

// param is the placeholder of the last value added ($n).
func (w *sqlWhere) param() string { return "$" + strconv.Itoa(len(w.args)) }

// arg adds a value that is not a condition (a LIMIT) and returns its placeholder.
func (w *sqlWhere) arg(v any) string {
	w.args = append(w.args, v)
	return w.param()
}

// clause is the conditions joined with AND ("" when there are none).
func (w *sqlWhere) clause() string { return strings.Join(w.conds, " AND ") }
