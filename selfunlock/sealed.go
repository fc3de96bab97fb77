package selfunlock

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"onelogin-helpdesk/client"
)

// FlowBlobs is where a SealedStore keeps flows: a table of the state store
// (sqlitestore, pgstore), shared by every replica. It holds only sealed
// bytes.
type FlowBlobs interface {
	// AddUnlockFlow keeps blob under id until expires, unless max flows
	// live at now are kept already: then it keeps nothing and is false.
	AddUnlockFlow(ctx context.Context, id string, blob []byte, expires time.Time, max int, now time.Time) (bool, error)
	// UnlockFlow is the blob under id, live at now, and its version.
	UnlockFlow(ctx context.Context, id string, now time.Time) (blob []byte, version int64, ok bool, err error)
	// PutUnlockFlow replaces id's blob while its version is still
	// version; false when it changed or went.
	PutUnlockFlow(ctx context.Context, id string, blob []byte, version int64) (bool, error)
	DeleteUnlockFlow(ctx context.Context, id string) error
	// SweepUnlockFlows forgets the flows expired at now (SealedStore.Sweep).
	SweepUnlockFlows(ctx context.Context, now time.Time) error
}

// SealedStore keeps flows in FlowBlobs, sealed (AES-256-GCM, bound to the
// flow's id) with a key derived from the first session key, so any
// replica can take a flow's next step and the store learns nothing of it:
// not the login, not OneLogin's state token. Flows sealed under an older
// session key still open while that key is listed. Every step saves its
// flow only if no other step did meanwhile (a version), so a flow is
// verified, and unlocks, once.
type SealedStore struct {
	blobs FlowBlobs
	aeads []cipher.AEAD // the first seals; all open
	now   func() time.Time
}

// NewSealedStore keeps flows in blobs under keys derived from sessionKeys
// (the first seals); now nil is time.Now.
func NewSealedStore(blobs FlowBlobs, sessionKeys [][]byte, now func() time.Time) (*SealedStore, error) {
	if blobs == nil || len(sessionKeys) == 0 {
		return nil, errors.New("selfunlock: sealed flows need a store and at least one session key")
	}
	s := &SealedStore{blobs: blobs, now: now}
	if s.now == nil {
		s.now = time.Now
	}
	for _, k := range sessionKeys {
		m := hmac.New(sha256.New, k)
		m.Write([]byte("helpdesk unlock flows"))
		block, err := aes.NewCipher(m.Sum(nil))
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// Add implements Store. Expired flows do not count against maxFlows, so
// the table's bound holds between sweeps.
func (s *SealedStore) Add(ctx context.Context, f *Flow) (string, bool, error) {
	now := s.now()
	id := rand.Text()
	blob, err := s.seal(id, f)
	if err != nil {
		return "", false, err
	}
	ok, err := s.blobs.AddUnlockFlow(ctx, id, blob, now.Add(FlowTTL), maxFlows, now)
	if err != nil || !ok {
		return "", false, err
	}
	f.id, f.version = id, 1
	return id, true, nil
}

// Get implements Store: a flow that does not open (tampered, or sealed
// under a key no longer listed) is as good as gone.
func (s *SealedStore) Get(ctx context.Context, id string) (*Flow, bool, error) {
	blob, version, ok, err := s.blobs.UnlockFlow(ctx, id, s.now())
	if err != nil || !ok {
		return nil, false, err
	}
	f, err := s.open(id, blob)
	if err != nil {
		return nil, false, nil
	}
	f.id, f.version = id, version
	return f, true, nil
}

// Put implements Store.
func (s *SealedStore) Put(ctx context.Context, f *Flow) (bool, error) {
	blob, err := s.seal(f.id, f)
	if err != nil {
		return false, err
	}
	ok, err := s.blobs.PutUnlockFlow(ctx, f.id, blob, f.version)
	if ok {
		f.version++
	}
	return ok, err
}

// Remove implements Store.
func (s *SealedStore) Remove(ctx context.Context, id string) error {
	return s.blobs.DeleteUnlockFlow(ctx, id)
}

// Sweep implements Store: it forgets the flows expired in the state store,
// every replica's.
func (s *SealedStore) Sweep(ctx context.Context) error {
	return s.blobs.SweepUnlockFlows(ctx, s.now())
}

// sealedFlow is a Flow as sealed: what a step needs of it, the state token
// included (it is encrypted). Zero fields are left out (a fresh flow has
// no verification, times or flags yet), as each flow's row is paid for in
// the state store; they open as zero.
type sealedFlow struct {
	Login, UA    string
	Key, Route   string               `json:",omitzero"`
	User         *sealedUser          `json:",omitzero"`
	Factors      []sealedFactor       `json:",omitzero"`
	Chosen       int                  `json:",omitzero"`
	Verification *client.Verification `json:",omitzero"`
	Expires      time.Time            `json:",omitzero"`
	Broken       bool                 `json:",omitzero"`
	Settled      bool                 `json:",omitzero"`
	Done         bool                 `json:",omitzero"`
	LastPoll     time.Time            `json:",omitzero"`
}

type sealedUser struct {
	ID                                   int64
	Email, Username, Firstname, Lastname string
	Status                               client.Status
	LockedUntil                          time.Time
}

type sealedFactor struct {
	Kind   client.FactorKind
	Push   bool             `json:",omitzero"`
	Device client.OTPDevice `json:",omitzero"`
	Label  string           `json:",omitzero"`
}

func (s *SealedStore) seal(id string, f *Flow) ([]byte, error) {
	w := sealedFlow{Login: f.login, UA: f.ua, Key: f.key, Route: f.route, Chosen: f.chosen, Verification: f.ch.v,
		Expires: f.ch.Expires, Broken: f.broken, Settled: f.settled, Done: f.done, LastPoll: f.lastPoll}
	if u := f.user; u != nil {
		w.User = &sealedUser{ID: u.ID, Email: u.Email, Username: u.Username, Firstname: u.Firstname, Lastname: u.Lastname,
			Status: u.Status, LockedUntil: u.LockedUntil}
	}
	for _, fa := range f.factors {
		w.Factors = append(w.Factors, sealedFactor{Kind: fa.kind, Push: fa.push, Device: fa.dev, Label: fa.label})
	}
	plain, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("selfunlock: seal a flow: %w", err)
	}
	aead := s.aeads[0]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, []byte(id)), nil
}

var errUnsealed = errors.New("selfunlock: the flow does not open")

func (s *SealedStore) open(id string, blob []byte) (*Flow, error) {
	for _, aead := range s.aeads {
		n := aead.NonceSize()
		if len(blob) < n {
			return nil, errUnsealed
		}
		plain, err := aead.Open(nil, blob[:n], blob[n:], []byte(id))
		if err != nil {
			continue
		}
		var w sealedFlow
		if err := json.Unmarshal(plain, &w); err != nil {
			return nil, errUnsealed
		}
		f := &Flow{login: w.Login, ua: w.UA, key: w.Key, route: w.Route, chosen: w.Chosen,
			ch: Challenge{v: w.Verification, Expires: w.Expires}, broken: w.Broken, settled: w.Settled, done: w.Done, lastPoll: w.LastPoll}
		if u := w.User; u != nil {
			f.user = &client.User{ID: u.ID, Email: u.Email, Username: u.Username, Firstname: u.Firstname, Lastname: u.Lastname,
				Status: u.Status, LockedUntil: u.LockedUntil}
		}
		for _, fa := range w.Factors {
			f.factors = append(f.factors, Factor{kind: fa.Kind, push: fa.Push, dev: fa.Device, label: fa.Label})
		}
		if f.chosen >= len(f.factors) {
			f.chosen = -1 // nothing chosen that is not there
		}
		return f, nil
	}
	return nil, errUnsealed
}
