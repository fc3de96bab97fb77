package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"onelogin-helpdesk/selfunlock"
)

var _ selfunlock.ShapeStore = (*Store)(nil)

// CountFactorShape implements selfunlock.ShapeStore in one transaction.
// Replicas adding new shapes at the same moment may pass maxShapes by a
// few, and two may both halve: either only bounds the table the less
// tightly or forgets a little sooner, the shares stay.
func (s *Store) CountFactorShape(ctx context.Context, shape string, maxShapes, maxTotal int) error {
	if err := selfunlock.CheckShape(shape, maxShapes, maxTotal); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO factor_shapes (shape, seen) SELECT $1, 1 WHERE (SELECT count(*) FROM factor_shapes WHERE shape <> $1) < $2
			ON CONFLICT (shape) DO UPDATE SET seen = factor_shapes.seen + 1`, shape, maxShapes); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE factor_shapes SET seen = seen / 2 WHERE (SELECT sum(seen) FROM factor_shapes) > $1`, maxTotal); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM factor_shapes WHERE seen <= 0`)
		return err
	})
	if err != nil {
		return fmt.Errorf("factor shapes: %w", err)
	}
	return nil
}

// FactorShapes implements selfunlock.ShapeStore.
func (s *Store) FactorShapes(ctx context.Context) (map[string]int, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT shape, seen FROM factor_shapes`)
	if err != nil {
		return nil, fmt.Errorf("factor shapes: %w", err)
	}
	out := map[string]int{}
	var shape string
	var seen int
	_, err = pgx.ForEachRow(rows, []any{&shape, &seen}, func() error {
		out[shape] = seen
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("factor shapes: %w", err)
	}
	return out, nil
}
