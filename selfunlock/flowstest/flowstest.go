// Package flowstest is the conformance suite every selfunlock.FlowBlobs
// passes (sqlitestore, pgstore), through a SealedStore as the page uses
// it. It holds tests only; it never runs in the console.
package flowstest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"onelogin-helpdesk/selfunlock"
)

// Conformance runs the suite against blobs, fresh for the test.
func Conformance(t *testing.T, blobs selfunlock.FlowBlobs) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	oldKey, newKey := []byte("an older session key of 32 bytes"), []byte("the current session key, 32 byte")
	old, err := selfunlock.NewSealedStore(blobs, [][]byte{oldKey}, clock)
	if err != nil {
		t.Fatal(err)
	}
	id, ok, err := old.Add(ctx, &selfunlock.Flow{})
	if err != nil || !ok || id == "" {
		t.Fatalf("Add = %q, %t, %v", id, ok, err)
	}

	t.Run("sealed, and bound to the id", func(t *testing.T) {
		blob, version, ok, err := blobs.UnlockFlow(ctx, id, now)
		if err != nil || !ok || version != 1 || len(blob) < 28 {
			t.Fatalf("UnlockFlow = %d bytes, version %d, %t, %v", len(blob), version, ok, err)
		}
		if bytes.Contains(blob, []byte(`"Login"`)) {
			t.Error("the stored flow is readable")
		}
		id2, _, _ := old.Add(ctx, &selfunlock.Flow{})
		if ok, err := blobs.PutUnlockFlow(ctx, id2, blob, 1); !ok || err != nil { // one flow's blob under another's id
			t.Fatalf("PutUnlockFlow: %t, %v", ok, err)
		}
		if _, ok, err := old.Get(ctx, id2); ok || err != nil {
			t.Errorf("a blob moved to another id opened: %t, %v", ok, err)
		}
	})

	t.Run("older keys open, retired ones do not", func(t *testing.T) {
		rotated, _ := selfunlock.NewSealedStore(blobs, [][]byte{newKey, oldKey}, clock)
		f, ok, err := rotated.Get(ctx, id)
		if err != nil || !ok {
			t.Fatalf("after rotation the flow is gone: %v", err)
		}
		if ok, err := rotated.Put(ctx, f); !ok || err != nil {
			t.Fatalf("Put = %t, %v", ok, err)
		}
		if _, ok, _ := old.Get(ctx, id); ok {
			t.Error("a flow sealed under the new key opened with the old one alone")
		}
		retired, _ := selfunlock.NewSealedStore(blobs, [][]byte{newKey}, clock)
		if _, ok, _ := retired.Get(ctx, id); !ok {
			t.Error("the flow resealed under the new key does not open with it")
		}
	})

	t.Run("one step saves", func(t *testing.T) {
		s, _ := selfunlock.NewSealedStore(blobs, [][]byte{newKey}, clock)
		a, _, _ := s.Get(ctx, id) // two replicas take the same step
		b, _, _ := s.Get(ctx, id)
		if ok, err := s.Put(ctx, a); !ok || err != nil {
			t.Fatalf("the first Put = %t, %v", ok, err)
		}
		if ok, err := s.Put(ctx, b); ok || err != nil {
			t.Errorf("the second Put of the same version = %t, %v; want refused", ok, err)
		}
		if ok, err := s.Put(ctx, a); !ok || err != nil {
			t.Errorf("the winner's next Put = %t, %v", ok, err)
		}
		if err := s.Remove(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Get(ctx, id); ok {
			t.Error("a removed flow is still there")
		}
		if ok, _ := s.Put(ctx, a); ok {
			t.Error("a removed flow was saved")
		}
	})

	t.Run("flows expire and are swept", func(t *testing.T) {
		s, _ := selfunlock.NewSealedStore(blobs, [][]byte{newKey}, clock)
		id, _, _ := s.Add(ctx, &selfunlock.Flow{})
		now = now.Add(selfunlock.FlowTTL / 2)
		live, _, _ := s.Add(ctx, &selfunlock.Flow{})
		now = now.Add(selfunlock.FlowTTL / 2)
		if _, ok, _ := s.Get(ctx, id); ok {
			t.Error("a flow outlived FlowTTL")
		}
		if err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, ok, _ := blobs.UnlockFlow(ctx, id, now.Add(-time.Hour)); ok {
			t.Error("an expired flow was not swept")
		}
		if _, ok, _ := s.Get(ctx, live); !ok {
			t.Error("a live flow was swept")
		}
		if err := s.Remove(ctx, live); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("bounded", func(t *testing.T) {
		for i := range 3 {
			if ok, err := blobs.AddUnlockFlow(ctx, "bounded-"+string(rune('a'+i)), []byte("x"), now.Add(time.Minute), 3, now); err != nil || !ok {
				t.Fatalf("flow %d of 3: %t, %v", i+1, ok, err)
			}
		}
		if ok, err := blobs.AddUnlockFlow(ctx, "bounded-d", []byte("x"), now.Add(time.Minute), 3, now); ok || err != nil {
			t.Errorf("a fourth flow past a bound of 3: %t, %v", ok, err)
		}
	})
}
