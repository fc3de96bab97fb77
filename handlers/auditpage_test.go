package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/audit/audittest"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// auditSeed writes records straight into the console's store: n records
// from clockStart back, one a day apart, cycling through actors, actions and
// outcomes. Record i (from 1) has id i; higher ids are newer.
func auditSeed(t *testing.T, c *console, n int) []audit.Record {
	t.Helper()
	actors := []string{"ann@example.com", "bob@example.com"}
	actions := []access.Action{access.Unlock, access.Lock, access.ResetPassword}
	outs := []audit.Outcome{audit.OutcomeSucceeded, audit.OutcomeFailed, audit.OutcomeDenied}
	var out []audit.Record
	for i := 1; i <= n; i++ {
		r := audit.Record{
			Time:       clockStart.AddDate(0, 0, i-n),
			ActorEmail: actors[i%len(actors)], ActorRole: "helpdesk", SourceIP: "192.0.2.7", RequestID: "req-" + strconv.Itoa(i),
			TargetID: int64(1000 + i%4), TargetEmail: "target" + strconv.Itoa(i%4) + "@example.com", TargetName: "Target " + strconv.Itoa(i%4),
			Action: actions[i%len(actions)], Outcome: outs[i%len(outs)], Ticket: "INC-" + strconv.Itoa(i),
			Params: map[string]string{"minutes": strconv.Itoa(i)},
		}
		id, err := c.mem.Begin(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		r.ID = id
		out = append(out, r)
	}
	return out
}

// auditRowIDs lists the record ids of the rows shown, in order.
func auditRowIDs(d *goquery.Document) []string {
	var ids []string
	d.Find("[data-testid=audit-row]").Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("data-id")
		ids = append(ids, v)
	})
	return ids
}

// expectIDs are the ids of the seeded records that keep says to, newest first.
func expectIDs(recs []audit.Record, keep func(audit.Record) bool) []string {
	var ids []string
	for i := len(recs) - 1; i >= 0; i-- {
		if keep(recs[i]) {
			ids = append(ids, strconv.FormatInt(recs[i].ID, 10))
		}
	}
	return ids
}

// TestAuditPage_rowContent: a row shows when, who, the action, the account
// with a link to it, the ticket, the outcome and the details.
func TestAuditPage_rowContent(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin))
	_, err := c.mem.Begin(context.Background(), audit.Record{
		Time: clockStart.Add(-time.Hour), ActorEmail: "hal@example.com", ActorRole: "helpdesk", SourceIP: "198.51.100.4", RequestID: "rq-9",
		TargetID: 42, TargetEmail: "ann@example.com", TargetName: "Ann Smith",
		Action: access.Lock, Params: map[string]string{"minutes": "60"}, Ticket: "INC-4242",
		Outcome: audit.OutcomeFailed, Status: 400, Message: "period too short",
	})
	if err != nil {
		t.Fatal(err)
	}
	d := doc(t, c.get("/audit"))
	row := d.Find("[data-testid=audit-row]")
	if row.Length() != 1 {
		t.Fatalf("rows = %d", row.Length())
	}
	for _, want := range []string{"12:04", "hal@example.com", "(helpdesk)", "ann@example.com",
		"minutes: 60", "OneLogin answered 400", "from 198.51.100.4", "request rq-9"} {
		if !strings.Contains(row.Text(), want) {
			t.Errorf("row lacks %q: %s", want, strings.Join(strings.Fields(row.Text()), " "))
		}
	}
	if href, _ := row.Find("a").Attr("href"); href != "/users/42" {
		t.Errorf("account link = %q, want /users/42", href)
	}
	// The row reads as a sentence; the log-line details are folded away.
	if got, want := strings.Join(strings.Fields(textOf(d, "[data-testid=audit-sentence]")), " "),
		"Tried to lock Ann Smith for 1 hour · ticket INC-4242 · OneLogin refused: period too short"; got != want {
		t.Errorf("sentence = %q, want %q", got, want)
	}
	if row.Find("details").Length() != 1 || !strings.Contains(row.Find("details").Text(), "request rq-9") {
		t.Errorf("the request id is not among the folded details")
	}
	if got := textOf(d, "[data-testid=audit-outcome]"); got != "failed" {
		t.Errorf("outcome = %q", got)
	}
	if cls, _ := row.Find("[data-testid=audit-outcome]").Attr("class"); !strings.Contains(cls, "badge-bad") {
		t.Errorf("failed outcome class = %q", cls)
	}
}

// TestAuditPage_paging walks 120 records in pages of 50 with the Older link,
// newest first, without repeats or gaps, keeping the filter in the links.
func TestAuditPage_paging(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin))
	recs := auditSeed(t, c, 240)
	want := expectIDs(recs, func(r audit.Record) bool { return r.ActorEmail == "ann@example.com" }) // 120
	var got []string
	next := "/audit?actor=ann%40example.com"
	pages := 0
	var summaries []string
	for next != "" {
		pages++
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		rec := c.get(next)
		wantCode(t, rec, http.StatusOK)
		d := doc(t, rec)
		ids := auditRowIDs(d)
		if len(ids) > audit.DefaultPageSize {
			t.Errorf("page %d has %d rows", pages, len(ids))
		}
		got = append(got, ids...)
		summaries = append(summaries, strings.Join(strings.Fields(textOf(d, "[data-testid=audit-summary]")), " "))
		newest, hasNewest := d.Find("[data-testid=audit-newest]").Attr("href")
		if (pages > 1) != hasNewest || (hasNewest && newest != "/audit?actor=ann%40example.com") {
			t.Errorf("page %d: newest link = %q (present %v)", pages, newest, hasNewest)
		}
		csvLink, _ := d.Find("[data-testid=audit-csv]").Attr("href")
		if csvLink != "/audit.csv?actor=ann%40example.com" {
			t.Errorf("page %d: CSV link = %q, want the filter without the cursor", pages, csvLink)
		}
		next, _ = d.Find("[data-testid=audit-older]").Attr("href")
		if next != "" && !strings.Contains(next, "actor=ann%40example.com") {
			t.Errorf("older link %q lost the filter", next)
		}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("%d pages, ids %v\nwant 3 pages, ids %v", pages, got, want)
	}
	wantSummaries := []string{"50 records; older ones on the next page. Download CSV",
		"50 records on an older page; older ones on the next page. Download CSV", "20 records on an older page. Download CSV"}
	if !slices.Equal(summaries, wantSummaries) {
		t.Errorf("summaries = %q", summaries)
	}
}

// TestAuditPage_htmx: a filter change from htmx gets just the results, the
// canonical URL to push, and Vary; a normal request gets the whole page.
func TestAuditPage_htmx(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin))
	auditSeed(t, c, 60)
	req := httptest.NewRequest("GET", "/audit?actor=&target=&action=unlock&outcome=&from=&to=&before=55", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "audit-results")
	rec := httptest.NewRecorder()
	c.http.ServeHTTP(rec, req)
	wantCode(t, rec, http.StatusOK)
	body := rec.Body.String()
	if strings.Contains(body, "<html") || strings.Contains(body, `id="audit-form"`) {
		t.Error("the htmx answer holds more than the results")
	}
	if d := doc(t, rec); d.Find("[data-testid=audit-row]").Length() == 0 {
		t.Error("the htmx answer has no rows")
	}
	if got := rec.Header().Get("HX-Push-Url"); got != "/audit?action=unlock&before=55" {
		t.Errorf("HX-Push-Url = %q", got)
	}
	if !slices.Contains(rec.Header().Values("Vary"), "HX-Request") {
		t.Error("no Vary: HX-Request")
	}

	full := c.get("/audit?action=unlock")
	d := doc(t, full)
	if d.Find("html").Length() != 1 || d.Find("#audit-form").Length() != 1 || d.Find("#audit-results [data-testid=audit-row]").Length() == 0 {
		t.Error("a normal request does not get the whole page with the form and the results")
	}
	if f := d.Find("#audit-form"); f.AttrOr("method", "") != "get" || f.AttrOr("action", "") != "/audit" || f.AttrOr("hx-push-url", "") != "true" {
		t.Error("the filter form does not work as a plain GET form with htmx pushing the URL")
	}
	// Every access action is offered.
	if n := d.Find("#a-action option").Length(); n != len(access.Actions())+1 {
		t.Errorf("action options = %d, want %d and “any”", n, len(access.Actions()))
	}
}

// countingTrail counts the reads of a store, to prove bad input is refused
// before the trail is read.
type countingTrail struct {
	audit.Store
	lists, exports atomic.Int32
}

func (c *countingTrail) List(ctx context.Context, f audit.Filter) (audit.Page, error) {
	c.lists.Add(1)
	return c.Store.List(ctx, f)
}

func (c *countingTrail) ExportCSV(ctx context.Context, f audit.Filter, w io.Writer) error {
	c.exports.Add(1)
	return c.Store.ExportCSV(ctx, f, w)
}

// TestAuditPage_trailDown: a store that cannot be read gives a 503 with a
// reason on the page, and an HTML error rather than an empty CSV.
func TestAuditPage_trailDown(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin))
	auditSeed(t, c, 3)
	c.audit.Fail(true)
	rec := c.get("/audit")
	wantCode(t, rec, http.StatusServiceUnavailable)
	if doc(t, rec).Find("[data-testid=audit-unavailable]").Length() != 1 {
		t.Error("no explanation of the unreadable trail")
	}
	rec = c.get("/audit.csv")
	wantCode(t, rec, http.StatusServiceUnavailable)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || rec.Header().Get("Content-Disposition") != "" {
		t.Errorf("failed export answered %q / %q, want an HTML error page", ct, rec.Header().Get("Content-Disposition"))
	}
}

// writeOnlyTrail keeps a trail that cannot be read back.
type writeOnlyTrail struct{ handlers.Recorder }

// TestAuditPage_noReadableTrail: a Recorder without List answers 503.
func TestAuditPage_noReadableTrail(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin), withConfig(func(cfg *handlers.Config) {
		cfg.Audit = writeOnlyTrail{audittest.NewMemory(nil)}
	}))
	for _, path := range []string{"/audit", "/audit.csv"} {
		rec := c.get(path)
		wantCode(t, rec, http.StatusServiceUnavailable)
		if !strings.Contains(rec.Body.String(), "keeps no audit trail that can be read here") {
			t.Errorf("%s: %.300s", path, rec.Body.String())
		}
	}
}

// TestAuditPage_noSecrets: a typed password and an MFA token go through the
// real action routes; neither appears on the audit page, in the export or
// in the log, while the actions themselves are listed.
func TestAuditPage_noSecrets(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, signedInAs(fakeonelogin.PersonaAdmin))
	target := fakeonelogin.PersonaNoRolesID
	password := "Zq8!secret-Pass-4417"
	rec := c.doConfirmed("POST", "/users/"+idStr(target)+"/password", url.Values{
		"mode": {"set"}, "password": {password}, "password_confirmation": {password}, "ticket": {"INC-1"}}, true)
	wantCode(t, rec, http.StatusOK)
	if !c.fake.Tenant.CheckPassword(target, password) {
		t.Fatal("the password was not set")
	}
	rec = c.do("POST", "/users/"+idStr(target)+"/mfa-token", url.Values{"expires_in": {"3600"}, "ticket": {"INC-2"}}, true)
	wantCode(t, rec, http.StatusOK)
	token := textOf(doc(t, rec), ".secret-value")
	if len(token) < 6 || !c.fake.Tenant.UseMFAToken(target, token) {
		t.Fatalf("no working MFA token shown: %q", token)
	}

	page := c.get("/audit").Body.String()
	export := c.get("/audit.csv").Body.String()
	for _, want := range []string{"reset password", "mfa token", "INC-1", "INC-2"} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	for where, s := range map[string]string{"page": page, "export": export, "log": c.logBuf.String()} {
		if strings.Contains(s, password) {
			t.Errorf("the password is in the %s", where)
		}
		if strings.Contains(s, token) {
			t.Errorf("the MFA token is in the %s", where)
		}
	}
}
