package sqlitestore

import (
	"context"
	"fmt"

	"onelogin-helpdesk/selfunlock"
)

// factorShapesMigration holds how often the public unlock page showed each
// shape of real factor list, which its decoys are drawn from (appended to
// migrations).
const factorShapesMigration = `CREATE TABLE factor_shapes (
	shape TEXT PRIMARY KEY,
	seen  INTEGER NOT NULL
);`

var _ selfunlock.ShapeStore = (*Store)(nil)

// CountFactorShape implements selfunlock.ShapeStore in one write
// transaction.
func (s *Store) CountFactorShape(ctx context.Context, shape string, maxShapes, maxTotal int) error {
	if err := selfunlock.CheckShape(shape, maxShapes, maxTotal); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("factor shapes: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO factor_shapes (shape, seen) SELECT ?, 1 WHERE (SELECT count(*) FROM factor_shapes WHERE shape <> ?) < ?
			ON CONFLICT (shape) DO UPDATE SET seen = seen + 1`, []any{shape, shape, maxShapes}},
		{`UPDATE factor_shapes SET seen = seen / 2 WHERE (SELECT sum(seen) FROM factor_shapes) > ?`, []any{maxTotal}},
		{`DELETE FROM factor_shapes WHERE seen <= 0`, nil},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("factor shapes: %w", err)
		}
	}
	return tx.Commit()
}

// FactorShapes implements selfunlock.ShapeStore.
func (s *Store) FactorShapes(ctx context.Context) (map[string]int, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT shape, seen FROM factor_shapes`)
	if err != nil {
		return nil, fmt.Errorf("factor shapes: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var shape string
		var seen int
		if err := rows.Scan(&shape, &seen); err != nil {
			return nil, fmt.Errorf("factor shapes: %w", err)
		}
		out[shape] = seen
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("factor shapes: %w", err)
	}
	return out, nil
}
