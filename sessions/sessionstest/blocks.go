package sessionstest

import (
	"context"
	"testing"
	"time"

	"onelogin-helpdesk/sessions"
)

// BlocksConformance runs the shared behaviour of blocks against stores
// from open, which returns a fresh, empty store for each test.
func BlocksConformance(t *testing.T, open func(t *testing.T) sessions.Blocks) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	ctx := context.Background()
	block := func(email string, at time.Time) sessions.Block {
		return sessions.Block{Email: email, Until: at.Add(time.Hour), By: "admin@example.com", At: at}
	}

	t.Run("saveReadAnyCase", func(t *testing.T) {
		st := open(t)
		if err := st.SaveBlock(ctx, block("Ann@Example.com", t0)); err != nil {
			t.Fatal(err)
		}
		b, ok, err := st.BlockOf(ctx, "ann@EXAMPLE.com", t0)
		if err != nil || !ok || b.Email != "Ann@Example.com" || !b.Until.Equal(t0.Add(time.Hour)) || b.By != "admin@example.com" || !b.At.Equal(t0) {
			t.Fatalf("BlockOf = %+v %v %v", b, ok, err)
		}
		if _, ok, _ := st.BlockOf(ctx, "bob@example.com", t0); ok {
			t.Error("someone else is blocked")
		}
	})
	t.Run("endsByItself", func(t *testing.T) {
		st := open(t)
		_ = st.SaveBlock(ctx, block("ann@example.com", t0))
		if _, ok, _ := st.BlockOf(ctx, "ann@example.com", t0.Add(time.Hour)); ok {
			t.Error("a block is in force at its end")
		}
		if bs, err := st.ListBlocks(ctx, t0.Add(time.Hour)); err != nil || len(bs) != 0 {
			t.Errorf("ListBlocks after the end = %+v %v", bs, err)
		}
	})
	t.Run("replaceAndLift", func(t *testing.T) {
		st := open(t)
		_ = st.SaveBlock(ctx, block("ann@example.com", t0))
		_ = st.SaveBlock(ctx, block("ANN@example.com", t0.Add(30*time.Minute)))
		bs, err := st.ListBlocks(ctx, t0)
		if err != nil || len(bs) != 1 || !bs[0].Until.Equal(t0.Add(90*time.Minute)) {
			t.Fatalf("after a second block: %+v %v", bs, err)
		}
		if ok, err := st.DeleteBlock(ctx, "Ann@example.com"); !ok || err != nil {
			t.Fatalf("DeleteBlock = %v %v", ok, err)
		}
		if _, ok, _ := st.BlockOf(ctx, "ann@example.com", t0); ok {
			t.Error("a lifted block holds")
		}
		if ok, _ := st.DeleteBlock(ctx, "ann@example.com"); ok {
			t.Error("a block lifted twice")
		}
	})
	t.Run("listLatestFirst", func(t *testing.T) {
		st := open(t)
		for i, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			_ = st.SaveBlock(ctx, block(e, t0.Add(time.Duration(i)*time.Minute)))
		}
		bs, err := st.ListBlocks(ctx, t0.Add(2*time.Minute))
		if err != nil || len(bs) != 3 || bs[0].Email != "c@example.com" || bs[2].Email != "a@example.com" {
			t.Fatalf("ListBlocks = %+v %v", bs, err)
		}
	})
	t.Run("refusesNoEmail", func(t *testing.T) {
		if err := open(t).SaveBlock(ctx, sessions.Block{Until: t0}); err == nil {
			t.Error("a block without an email was saved")
		}
	})
}
