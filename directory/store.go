package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrLeaseLost is returned when a sync's state is saved by a replica that
// no longer holds the sync lease.
var ErrLeaseLost = errors.New("directory: the sync lease is held by another replica")

// Store keeps the index's rows and the sync's state. Every change to a
// row (a write or a deletion) gets the next change sequence number, so a
// replica's mirror catches up by asking for what came after the last one
// it saw. Safe for concurrent use by any number of replicas.
type Store interface {
	// PutPeople writes people. A row is only replaced by a copy at least
	// as new (UpdatedAt): a listing read before a person page's read never
	// undoes it. SyncedAt is taken either way, and either way the row gets
	// a new sequence number.
	PutPeople(ctx context.Context, people []Person) error
	// DeletePeople removes people (OneLogin deleted them).
	DeletePeople(ctx context.Context, ids []int64) error
	// PruneUnsynced removes everyone whose SyncedAt is before `before` (a
	// full listing that started then did not list them) and returns how
	// many.
	PruneUnsynced(ctx context.Context, before time.Time) (int, error)
	// PeopleChanges returns up to limit changes with a sequence number above
	// after, in sequence order.
	PeopleChanges(ctx context.Context, after int64, limit int) ([]Change, error)
	// CountPeople is how many people the index holds.
	CountPeople(ctx context.Context) (int, error)

	// SyncState reads the sync's state (zero before the first sync).
	SyncState(ctx context.Context) (SyncState, error)
	// ClaimSync takes or renews the sync lease for owner until now+ttl,
	// if it is free, run out, or owner's already, and returns the state.
	ClaimSync(ctx context.Context, owner string, now time.Time, ttl time.Duration) (SyncState, bool, error)
	// SaveSync stores st if owner holds the lease at now (ErrLeaseLost
	// otherwise); the lease fields of st are ignored.
	SaveSync(ctx context.Context, owner string, now time.Time, st SyncState) error
	// ReleaseSync gives the lease up, if owner holds it.
	ReleaseSync(ctx context.Context, owner string) error
}

// Change is one change to a row: the person as written, or, when Deleted,
// only their ID.
type Change struct {
	Seq     int64
	Person  Person
	Deleted bool
}

// SyncState is where the sync is, readable by admins from any replica.
type SyncState struct {
	// Owner holds the lease until LeaseUntil (set by the store).
	Owner      string    `json:"-"`
	LeaseUntil time.Time `json:"-"`
	// Complete is set once a full listing has finished: until then search
	// falls back to OneLogin's API.
	Complete bool `json:"complete"`
	// Pass is the full listing in progress, if any.
	Pass Pass `json:"pass"`
	// LastPass is when the last full listing finished.
	LastPass time.Time `json:"last_pass"`
	// Watermark is the newest updated_at the incremental sync has covered;
	// it asks for changes after Watermark minus an overlap.
	Watermark time.Time `json:"watermark"`
	// LastSync is when the index last caught up with OneLogin's changes
	// (a finished full listing or incremental round): results are "as of"
	// it.
	LastSync time.Time `json:"last_sync"`
	// DeletedThrough is the newest deletion event read (or where reading
	// began); DeletionsChecked is when events were last asked.
	DeletedThrough   time.Time `json:"deleted_through"`
	DeletionsChecked time.Time `json:"deletions_checked"`
	// Calls counts the OneLogin calls the sync has made.
	Calls int64 `json:"calls"`
	// LastError is the last round's failure ("" after a success): an
	// error from package client, which never holds a secret.
	LastError string    `json:"last_error,omitempty"`
	ErrorAt   time.Time `json:"error_at,omitzero"`
}

// Pass is a full listing in progress: the first one, or a reconcile.
type Pass struct {
	Started time.Time `json:"started,omitzero"` // zero: no pass in progress
	Cursor  string    `json:"cursor,omitempty"` // the next page's After-Cursor
	Listed  int       `json:"listed"`
	Total   int       `json:"total"` // Total-Count as last given; -1 unknown
	Pages   int       `json:"pages"`
}

// Active reports whether a listing is in progress.
func (p Pass) Active() bool { return !p.Started.IsZero() }

// EncodePerson is a person as the SQL stores keep it (JSON).
func EncodePerson(p Person) ([]byte, error) { return json.Marshal(p) }

// DecodeChange is the change a stored row gives: a deletion carries only
// the id; a person's data that does not decode, or names another person,
// fails the read.
func DecodeChange(seq, id int64, deleted bool, data []byte, synced time.Time) (Change, error) {
	c := Change{Seq: seq, Deleted: deleted, Person: Person{ID: id}}
	if deleted {
		return c, nil
	}
	if err := json.Unmarshal(data, &c.Person); err != nil || c.Person.ID != id {
		return Change{}, fmt.Errorf("directory: the row of person %d does not read back", id)
	}
	c.Person.SyncedAt = synced.UTC()
	return c, nil
}

// EncodeSyncState is the state as the SQL stores keep it (JSON, without
// the lease, which they keep in columns).
func EncodeSyncState(st SyncState) ([]byte, error) { return json.Marshal(st) }

// DecodeSyncState reads a stored state with its lease; one that does not
// decode fails the read.
func DecodeSyncState(data []byte, owner string, leaseUntil time.Time) (SyncState, error) {
	var st SyncState
	if err := json.Unmarshal(data, &st); err != nil {
		return SyncState{}, fmt.Errorf("directory: the sync state does not read back: %w", err)
	}
	st.Owner, st.LeaseUntil = owner, leaseUntil
	return st, nil
}
