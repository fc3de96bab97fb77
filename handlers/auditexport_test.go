package handlers_test

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// TestAuditPage_csv exports every match of the filter, as an attachment,
// whatever the page's cursor, and the rows parse back.
func TestAuditPage_csv(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin))
	recs := auditSeed(t, c, 130)
	rec := c.get("/audit.csv?action=lock&before=10")
	wantCode(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="helpdesk-audit-20250304-130430.csv"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || rows[0][0] != "id" || !slices.Contains(rows[0], "ticket") {
		t.Fatalf("header = %v", rows[:1])
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
		if r[slices.Index(rows[0], "action")] != "lock" {
			t.Errorf("row %v is not a lock", r)
		}
	}
	want := expectIDs(recs, func(r audit.Record) bool { return r.Action == access.Lock })
	if !slices.Equal(got, want) {
		t.Errorf("exported ids = %v\nwant %v", got, want)
	}
}

// brokenExport writes the start of an export and then fails, as a store
// that dies part-way through would.
type brokenExport struct{ audit.Store }

func (b brokenExport) ExportCSV(_ context.Context, _ audit.Filter, w io.Writer) error {
	if _, err := io.WriteString(w, "id,time\n1,2025-03-04T13:00:00Z\n"); err != nil {
		return err
	}
	return errors.New("disk I/O error")
}

// TestAuditPage_csvBreaksVisibly: a failure after the download began cuts
// the connection, so the browser reports a failed download rather than
// saving a short file as if it were complete.
func TestAuditPage_csvBreaksVisibly(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin), withConfig(func(cfg *handlers.Config) {
		cfg.Audit = brokenExport{audittest.NewMemory(nil)}
	}))
	srv := httptest.NewServer(c.http)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/audit.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", res.StatusCode)
	}
	body, err := io.ReadAll(res.Body)
	if err == nil {
		t.Fatalf("the broken export read as complete: %q", body)
	}
	if !strings.Contains(c.logBuf.String(), "audit export failed part-way") {
		t.Error("the failure was not logged")
	}
}
