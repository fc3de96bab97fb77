package sessions

import (
	"context"
	"errors"
	"sort"
	"time"
)

// Block keeps a person out of the console until it is lifted or Until
// passes. Behind a signing-in proxy ending a session signs nobody out (the
// proxy's headers make a new one on the next request), so an admin's
// revocation there blocks the person instead; the block lives in the
// state store, so every replica honours it.
type Block struct {
	Email string
	Until time.Time
	// By is the admin who placed it, At when.
	By string
	At time.Time
}

// Blocks keeps blocks, one per person (ASCII case of the email ignored).
// Implementations are safe for concurrent use; times are kept to the
// microsecond.
type Blocks interface {
	// SaveBlock places the block, replacing the person's earlier one.
	SaveBlock(ctx context.Context, b Block) error
	// BlockOf is the person's block in force at now; ok is false when
	// there is none (never was, lifted, or ended).
	BlockOf(ctx context.Context, email string, now time.Time) (b Block, ok bool, err error)
	// DeleteBlock lifts the person's block; ok is false when there was
	// none in the store.
	DeleteBlock(ctx context.Context, email string) (ok bool, err error)
	// ListBlocks is every block in force at now, the latest placed first.
	ListBlocks(ctx context.Context, now time.Time) ([]Block, error)
}

// PrepareBlock checks and normalises a block for SaveBlock; every store
// calls it first.
func PrepareBlock(b Block) (Block, error) {
	if EmailKey(b.Email) == "" || b.Until.IsZero() {
		return b, errors.New("sessions: a block needs an email and an end")
	}
	b.Email, b.By = clip(b.Email), clip(b.By)
	b.Until, b.At = b.Until.UTC().Truncate(time.Microsecond), b.At.UTC().Truncate(time.Microsecond)
	return b, nil
}

// SortBlocks puts blocks in ListBlocks's order.
func SortBlocks(bs []Block) {
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].At.After(bs[j].At) })
}
