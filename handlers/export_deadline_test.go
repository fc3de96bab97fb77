package handlers_test

import (
	"context"
	"encoding/csv"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/handlers"
)

// slowTrail exports like a trail of millions of rows: rows keep coming for
// longer than the server's WriteTimeout.
type slowTrail struct {
	*audittest.Memory
	rows int
	gap  time.Duration
}

func (s *slowTrail) ExportCSV(_ context.Context, _ audit.Filter, w io.Writer) error {
	cw := audit.NewCSVWriter(w)
	if err := cw.Header(); err != nil {
		return err
	}
	for i := range s.rows {
		if err := cw.Record(audit.Record{ID: int64(i + 1), Action: access.Lock, Outcome: audit.OutcomeSucceeded}); err != nil {
			return err
		}
		// Flush each row, as a long export does every few kilobytes.
		if err := cw.Flush(); err != nil {
			return err
		}
		time.Sleep(s.gap) // the one wall-clock wait: a write deadline is the wall clock's
	}
	return cw.Flush()
}

// TestAuditExport_outlivesTheWriteTimeout: an export that takes longer than
// the server's WriteTimeout arrives whole, because it moves the write
// deadline on as it goes, instead of being cut off part-way.
func TestAuditExport_outlivesTheWriteTimeout(t *testing.T) {
	trail := &slowTrail{Memory: audittest.NewMemory(nil), rows: 8, gap: 50 * time.Millisecond}
	c := newConsole(t, access.RoleAdmin, signedInAs("admin@example.com"), withConfig(func(cfg *handlers.Config) { cfg.Audit = trail }))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A tenth of the export's length, as 60 s is to a 10-minute export.
	srv := &http.Server{Handler: c.e, WriteTimeout: 40 * time.Millisecond}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	res, err := http.Get("http://" + ln.Addr().String() + "/audit.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	rows, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatalf("the export broke off after %d rows: %v", len(rows), err)
	}
	if res.StatusCode != http.StatusOK || len(rows) != trail.rows+1 {
		t.Errorf("export: %d, %d rows; want 200 and header + %d", res.StatusCode, len(rows), trail.rows)
	}
}
