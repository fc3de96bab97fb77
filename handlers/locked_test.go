package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/fakeonelogin"
	"onelogin-helpdesk/handlers"
)

// lockedRows reads the Locked now page's rows by user id.
func lockedRows(d *goquery.Document) map[int64]*goquery.Selection {
	out := map[int64]*goquery.Selection{}
	d.Find(`[data-testid="locked-row"]`).Each(func(_ int, s *goquery.Selection) {
		var id int64
		for _, ch := range s.AttrOr("data-user-id", "") {
			id = id*10 + int64(ch-'0')
		}
		out[id] = s
	})
	return out
}

// notAnyMore reads how many people the counts line says are not locked
// any more.
func notAnyMore(counts string) int {
	m := regexp.MustCompile(`(\d+) (?:person|people) the events show locked (?:is|are) not any more`).FindStringSubmatch(counts)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// rowDoc parses a row answer: a <tr> parses only inside a table.
func rowDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader("<table><tbody>" + body + "</tbody></table>"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func cell(row *goquery.Selection, testid string) string {
	return strings.Join(strings.Fields(row.Find(`[data-testid="`+testid+`"]`).Text()), " ")
}

// TestLocked_afterSpray: after a password spray the page lists each person
// it locked, confirmed locked now, with how the lock came about, the failed
// sign-ins and where they came from, and says how current the list is. The
// list is kept: showing it again asks OneLogin nothing until a refresh.
func TestLocked_afterSpray(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	sprayed := c.fake.Tenant.Spray(12)
	rec := c.get("/locked")
	wantCode(t, rec, http.StatusOK)
	d := doc(t, rec)
	if nav := d.Find(`nav a[href="/locked"][aria-current="page"]`); nav.Length() != 1 || nav.Text() != "Locked now" {
		t.Error("the navigation does not mark Locked now")
	}
	if f := textOf(d, `[data-testid="locked-freshness"]`); !strings.HasPrefix(f, "Read from OneLogin at ") || !strings.HasSuffix(f, "(just now).") {
		t.Errorf("freshness = %q", f)
	}
	rows := lockedRows(d)
	for _, id := range sprayed {
		row, ok := rows[id]
		if !ok {
			t.Errorf("sprayed person %d is not listed", id)
			continue
		}
		why := cell(row, "locked-why")
		if !strings.HasPrefix(why, "After ") || !strings.Contains(why, "failed sign-in") || !strings.Contains(why, " from ") {
			t.Errorf("person %d: how = %q", id, why)
		}
		if n := cell(row, "locked-failures"); n == "0" || n == "" {
			t.Errorf("person %d: %s failed sign-ins", id, n)
		}
		if src := cell(row, "locked-sources"); !strings.Contains(src, ".") || !strings.Contains(src, "risk up to") {
			t.Errorf("person %d: sources %q", id, src)
		}
		if row.Find(`[data-testid="status-badge"]`).Length() != 1 || !strings.Contains(row.Find(`[data-testid="status-badge"]`).Text(), "Locked") {
			t.Errorf("person %d: status %q", id, row.Find(`[data-testid="status-badge"]`).Text())
		}
		if row.Find(`[data-testid="row-unlock"]`).Length() != 1 {
			t.Errorf("person %d: no unlock button for helpdesk", id)
		}
	}
	if _, ok := rows[fakeonelogin.PersonaLockedID]; !ok {
		t.Error("the seeded locked persona is not listed")
	}
	counts := textOf(d, `[data-testid="locked-counts"]`)
	if !strings.Contains(counts, "people are locked now") || !strings.Contains(counts, "OneLogin calls") {
		t.Errorf("counts = %q", counts)
	}
	wasUnlocked := notAnyMore(counts)
	if d.Find(`[data-testid="bulk-unlock"]`).Length() != 0 || d.Find(`[data-testid="select-row"]`).Length() != 0 {
		t.Error("helpdesk is offered bulk jobs, which only admins start by default")
	}

	// Shown again: no call. Refreshed: read again, then back to /locked.
	c.fake.Tenant.ResetCalls()
	wantCode(t, c.get("/locked"), http.StatusOK)
	if n := len(c.fake.Tenant.Calls()); n != 0 {
		t.Errorf("showing the kept list made %d calls", n)
	}
	if err := apiClient(t, c).UnlockUser(context.Background(), sprayed[0]); err != nil {
		t.Fatal(err)
	}
	rec = c.get("/locked?refresh=1")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/locked" {
		t.Fatalf("refresh = %d to %q, want 303 to /locked", rec.Code, rec.Header().Get("Location"))
	}
	d = doc(t, c.get("/locked"))
	if _, ok := lockedRows(d)[sprayed[0]]; ok {
		t.Error("a person unlocked since is still listed after the refresh")
	}
	if counts := textOf(d, `[data-testid="locked-counts"]`); notAnyMore(counts) != wasUnlocked+1 {
		t.Errorf("counts after an unlock elsewhere = %q, want one more person not locked any more than %d", counts, wasUnlocked)
	}
}

// TestLocked_rowUnlock: the one-click unlock goes through the door (audited,
// read back) and answers with the row; the person leaves the list without
// another read of it.
func TestLocked_rowUnlock(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk)
	id := c.fake.Tenant.Spray(3)[1]
	wantCode(t, c.get("/locked"), http.StatusOK)
	rec := c.post("/locked/"+idStr(id)+"/unlock", url.Values{"ticket": {"INC-31"}})
	wantCode(t, rec, http.StatusOK)
	row := rowDoc(t, rec.Body.String()).Find(`tr[data-testid="locked-row"]`)
	if row.Length() != 1 || row.AttrOr("id", "") != "locked-"+idStr(id) {
		t.Fatalf("the answer is not the row: %.300s", rec.Body.String())
	}
	if n := cell(row, "notice"); !strings.HasPrefix(n, "Unlocked ") {
		t.Errorf("row notice = %q", n)
	}
	if strings.TrimSpace(row.Find(`[data-testid="status-badge"]`).Text()) != "Active" || row.Find(`[data-testid="row-unlock"]`).Length() != 0 {
		t.Error("the row does not show the person active, or still offers an unlock")
	}
	recs := c.records()
	if r := recs[len(recs)-1]; r.Action != access.Unlock || r.TargetID != id || r.Ticket != "INC-31" || r.Outcome != audit.OutcomeSucceeded {
		t.Errorf("audit record = %+v", r)
	}
	c.fake.Tenant.ResetCalls()
	if _, ok := lockedRows(doc(t, c.get("/locked")))[id]; ok {
		t.Error("the unlocked person is still on the list")
	}
	if n := len(c.fake.Tenant.Calls()); n != 0 {
		t.Errorf("the list after a row unlock made %d calls", n)
	}
}

// TestLocked_protectedAndStaffLocks: a protected account and a lock an
// admin placed through the console are listed, with who placed the lock,
// but helpdesk gets no unlock for them, and a forced post is refused in the
// row and recorded.
func TestLocked_protectedAndStaffLocks(t *testing.T) {
	const adminEmail = "ada.admin@example.com"
	c := newConsole(t, access.RoleAdmin, signedInAs(adminEmail), withConfig(func(cfg *handlers.Config) {
		cfg.ProtectedRoles = access.NewNames([]string{fakeonelogin.GroupAdmins}, false)
	}))
	ctx := context.Background()
	protected := fakeonelogin.PersonaAdminID
	if err := c.ol.LockUser(ctx, protected, 0); err != nil {
		t.Fatal(err)
	}
	staffLocked := fakeonelogin.PersonaNoRolesID
	wantCode(t, c.postConfirmed("/users/"+idStr(staffLocked)+"/lock", url.Values{"minutes": {"60"}, "ticket": {"SEC-5"}}), http.StatusOK)

	c.who = access.Identity{Email: fakeonelogin.PersonaHelpdesk, Role: access.RoleHelpdesk}
	d := doc(t, c.get("/locked"))
	rows := lockedRows(d)
	for _, id := range []int64{protected, staffLocked} {
		row, ok := rows[id]
		if !ok {
			t.Fatalf("person %d is not listed", id)
		}
		if row.Find(`[data-testid="row-unlock"]`).Length() != 0 {
			t.Errorf("helpdesk is offered an unlock of person %d", id)
		}
	}
	if why := cell(rows[staffLocked], "locked-why"); !strings.Contains(why, "Locked through the console by "+adminEmail+" (admin)") || !strings.Contains(why, "ticket SEC-5") {
		t.Errorf("how the staff lock came about = %q", why)
	}
	if why := cell(rows[protected], "locked-why"); why != "Through the API" {
		t.Errorf("how the API lock came about = %q", why)
	}

	before := len(c.records())
	rec := c.post("/locked/"+idStr(protected)+"/unlock", url.Values{})
	wantCode(t, rec, http.StatusForbidden)
	if n := cell(rowDoc(t, rec.Body.String()).Find("tr"), "notice"); !strings.Contains(n, "Protected account") {
		t.Errorf("refusal in the row = %q", n)
	}
	recs := c.records()
	if len(recs) != before+1 || recs[len(recs)-1].Outcome != audit.OutcomeDenied {
		t.Errorf("the refusal was not recorded: %+v", recs[before:])
	}
	if u, _ := c.fake.Tenant.User(protected); u.Status != fakeonelogin.StatusLocked {
		t.Error("the protected account was unlocked")
	}
}

// TestLocked_quotaLow: with OneLogin's quota low the list is not read; the
// page says why.
func TestLocked_quotaLow(t *testing.T) {
	c := newConsole(t, access.RoleHelpdesk, signedInAs(fakeonelogin.PersonaHelpdesk), withConfig(func(cfg *handlers.Config) { cfg.QuotaLow = 250 }))
	c.fake.Tenant.SetRateLimit(100)
	wantCode(t, c.get("/users/"+idStr(fakeonelogin.PersonaLockedID)), http.StatusOK)
	c.fake.Tenant.ResetCalls()
	d := doc(t, c.get("/locked"))
	if note := textOf(d, `[data-testid="locked-note"]`); !strings.Contains(note, "so the list is not loaded now") {
		t.Errorf("note = %q", note)
	}
	if f := textOf(d, `[data-testid="locked-freshness"]`); f != "Not read from OneLogin yet." {
		t.Errorf("freshness = %q", f)
	}
	if n := len(c.fake.Tenant.Calls()); n != 0 {
		t.Errorf("%d calls", n)
	}
}

// TestBulk_form: what the bulk form accepts, from whom, and the one
// question before a job starts.
func TestBulk_form(t *testing.T) {
	type form = url.Values
	locked := []int64{fakeonelogin.PersonaLockedID, fakeonelogin.PersonaLockedPushID, fakeonelogin.PersonaLockedTOTPID}
	ids := func(n int) []string {
		var out []string
		for _, id := range locked[:n] {
			out = append(out, idStr(id))
		}
		return out
	}
	cases := []struct {
		name   string
		role   access.Role
		bulk   access.Bulk
		ticket bool // tickets required
		form   form
		code   int
		want   string // in the answer
	}{
		{"nobody selected", access.RoleAdmin, access.Bulk{Max: 500}, false, form{}, 422, "Select at least one person"},
		{"not an id", access.RoleAdmin, access.Bulk{Max: 500}, false, form{"id": {"x"}}, 422, "not a OneLogin user id"},
		{"ticket required", access.RoleAdmin, access.Bulk{Max: 500}, true, form{"id": ids(1)}, 422, "Give a ticket number or reason"},
		{"helpdesk by default", access.RoleHelpdesk, access.Bulk{Max: 500}, false, form{"id": ids(1)}, 403, "Only admins start bulk jobs"},
		{"helpdesk over its size", access.RoleHelpdesk, access.Bulk{Max: 500, HelpdeskMax: 2}, false, form{"id": ids(3)}, 403, "at most 2 people"},
		{"admin over the maximum", access.RoleAdmin, access.Bulk{Max: 2}, false, form{"id": ids(3)}, 403, "at most 2 people"},
		{"helpdesk within its size", access.RoleHelpdesk, access.Bulk{Max: 500, HelpdeskMax: 2}, false, form{"id": ids(2), "ticket": {"INC-1"}}, 200, "Unlock 2 people under ticket INC-1?"},
		{"all shown", access.RoleAdmin, access.Bulk{Max: 500}, false, form{"all": {"1"}, "shown": ids(3), "id": ids(1)}, 200, "Unlock 3 people without a ticket?"},
		{"confirmed count differs", access.RoleAdmin, access.Bulk{Max: 500}, false, form{"id": ids(2), "confirmed": {"3"}}, 422, "Unlock 2 people"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsole(t, tc.role, signedInAs("staff@example.com"), withConfig(func(cfg *handlers.Config) {
				withJobs(t)(cfg)
				cfg.Bulk, cfg.RequireTicket = tc.bulk, tc.ticket
			}))
			c.fake.Tenant.ResetCalls()
			rec := c.do("POST", "/locked/bulk-unlock", tc.form, false)
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("= %d, want %d saying %q: %.600s", rec.Code, tc.code, tc.want, rec.Body.String())
			}
			if w := writesOf(c); len(w) != 0 {
				t.Errorf("OneLogin was asked to change %v", w)
			}
			if recs := c.records(); len(recs) != 0 {
				t.Errorf("before a job starts nothing is recorded, got %+v", recs)
			}
			if tc.code == 200 {
				d := doc(t, rec)
				if n := d.Find(`[data-testid="confirm-form"] input[name="id"]`).Length(); n != len(d.Find(`[data-testid="confirm-names"] li`).Nodes) || n == 0 {
					t.Errorf("the confirmation carries %d people and names %d", n, d.Find(`[data-testid="confirm-names"] li`).Length())
				}
			}
		})
	}
}

// TestBulk_startIsRecorded: a confirmed job is recorded as one bulk_unlock
// (who, ticket, how many, the job) and sends the browser to its progress.
func TestBulk_startIsRecorded(t *testing.T) {
	c := newConsole(t, access.RoleAdmin, withConfig(withJobs(t)))
	people := []string{idStr(fakeonelogin.PersonaLockedID), idStr(fakeonelogin.PersonaLockedPushID)}
	rec := c.do("POST", "/locked/bulk-logout", url.Values{"id": people, "ticket": {"INC-8"}, "confirmed": {"2"}}, false)
	wantCode(t, rec, http.StatusSeeOther)
	job := strings.TrimPrefix(rec.Header().Get("Location"), "/jobs/")
	recs := c.records()
	i := slices.IndexFunc(recs, func(r audit.Record) bool { return r.Action == access.BulkLogout })
	if i < 0 {
		t.Fatalf("no bulk_logout record: %+v", recs)
	}
	if r := recs[i]; r.Params["job"] != job || r.Params["people"] != "2" || r.Ticket != "INC-8" || r.ActorEmail != "staff@example.com" {
		t.Errorf("record = %+v", r)
	}
	page := c.get("/jobs/" + job)
	wantCode(t, page, http.StatusOK)
	if title := textOf(doc(t, page), "h1"); title != "Log out 2 people" {
		t.Errorf("job page title = %q", title)
	}
	wantCode(t, c.get("/jobs/0123456789abcdef"), http.StatusNotFound)
	wantCode(t, c.get("/jobs/nope"), http.StatusNotFound)
}
