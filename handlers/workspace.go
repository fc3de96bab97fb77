package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/views"
)

// The agent's workspace: the ticket they are working on, set once and
// carried into every action until cleared, and the people they opened in
// this browser session. Both live in cookies the console sets for the
// browser session (no expiry), bound to the signed-in person's email, so a
// browser shared by two people never hands one's ticket or list to the
// other. Neither is a secret, but both are signed (a key made from the
// session keys), so a cookie the console did not write, or one written
// for another cookie name, is ignored; both are also checked like typed
// input when read.

const (
	ticketCookie = "helpdesk_ticket"
	recentCookie = "helpdesk_recent"
	// createdCookie carries, once, how setting up a new person went from
	// the create form to their page.
	createdCookie = "helpdesk_created"
	// maxRecent is how many people "Recent people" remembers.
	maxRecent = 10
	// maxRecentName bounds a remembered name, so the cookie stays small.
	maxRecentName = 80
	// myActions is how many lines "My recent actions" shows; myActionsRead
	// how many of their own records it reads for them, a bulk job's
	// records making one line.
	myActions     = 10
	myActionsRead = 200
	// myActionsBudget bounds reading them from the trail.
	myActionsBudget = time.Second
)

type ticketValue struct {
	E string `json:"e"` // whose ticket
	T string `json:"t"`
}

type recentValue struct {
	E string        `json:"e"` // whose list
	P []recentEntry `json:"p"` // newest first
}

type recentEntry struct {
	ID   int64  `json:"i"`
	Name string `json:"n"`
}

// readCookie decodes a workspace cookie into v; false when it is absent,
// its signature does not hold, or it does not decode.
func (h *Handler) readCookie(c echo.Context, name string, v any) bool {
	ck, err := c.Cookie(name)
	if err != nil || ck.Value == "" || len(ck.Value) > 4096 {
		return false
	}
	payload, sig, ok := strings.Cut(ck.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(h.cookieMAC(name, payload))) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	return err == nil && json.Unmarshal(b, v) == nil
}

// writeCookie sets a signed workspace cookie for the browser session; nil
// clears it.
func (h *Handler) writeCookie(c echo.Context, name string, v any) {
	ck := &http.Cookie{Name: name, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: h.secure || c.Request().TLS != nil}
	if v == nil {
		ck.MaxAge = -1
	} else {
		b, _ := json.Marshal(v)
		payload := base64.RawURLEncoding.EncodeToString(b)
		ck.Value = payload + "." + h.cookieMAC(name, payload)
	}
	c.SetCookie(ck)
}

// cookieMAC signs a cookie's value together with its name, so that one
// cookie's value is no good under another name.
func (h *Handler) cookieMAC(name, payload string) string {
	m := hmac.New(sha256.New, h.cookieKey)
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// workingTicket is the ticket the signed-in person set for the piece of
// work in hand, or "".
func (h *Handler) workingTicket(c echo.Context) string {
	who, ok := h.identity(c.Request().Context())
	var v ticketValue
	if !ok || !h.readCookie(c, ticketCookie, &v) || !access.SameEmail(v.E, who.Email) {
		return ""
	}
	if t := strings.TrimSpace(v.T); plain(t) && utf8.RuneCountInString(t) <= maxTicket {
		return t
	}
	return ""
}

// setTicket is POST /ticket: set the working ticket, or clear it. An htmx
// request gets the ticket bar back (and the page's action forms pick the
// new ticket up, app.js); a plain post goes back where it came from.
func (h *Handler) setTicket(c echo.Context) error {
	form, err := formValues(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	who, _ := h.identity(ctx)
	was := h.workingTicket(c)
	ticket := field(form, "ticket")
	if form.Get("clear") != "" {
		ticket = ""
	}
	errs := fieldErrors{}
	checkTicket(ticket, errs)
	pg := h.page(c, "Working ticket", "")
	pg.Ticket = was
	if msg := errs["ticket"]; msg != "" {
		if wantsFragment(c) {
			return h.write(c, http.StatusUnprocessableEntity, views.TicketBar(pg, ticket, msg))
		}
		return badRequest(msg)
	}
	if ticket == "" {
		h.writeCookie(c, ticketCookie, nil)
	} else {
		h.writeCookie(c, ticketCookie, ticketValue{E: who.Email, T: ticket})
	}
	if !wantsFragment(c) {
		return c.Redirect(http.StatusSeeOther, localPath(form.Get("back"), "/users"))
	}
	pg.Ticket = ticket
	// app.js moves the new ticket into the action forms still showing the old one.
	trigger, _ := json.Marshal(map[string]any{"ticket-changed": map[string]string{"ticket": ticket, "was": was}})
	c.Response().Header().Set(hxTrigger, string(trigger))
	return h.write(c, http.StatusOK, views.TicketBar(pg, ticket, ""))
}

// localPath is p when it is a path on this console, else def: a form's
// "back" field must not send the browser elsewhere.
func localPath(p, def string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || !plain(p) {
		return def
	}
	return p
}

// recentPeople are the people the signed-in person opened in this browser
// session, newest first.
func (h *Handler) recentPeople(c echo.Context) []views.RecentPerson {
	who, ok := h.identity(c.Request().Context())
	var v recentValue
	if !ok || !h.readCookie(c, recentCookie, &v) || !access.SameEmail(v.E, who.Email) {
		return nil
	}
	var out []views.RecentPerson
	for _, p := range v.P {
		if p.ID <= 0 || !plain(p.Name) || len(out) == maxRecent {
			continue
		}
		out = append(out, views.RecentPerson{ID: p.ID, Name: p.Name})
	}
	return out
}

// rememberPerson puts u first in the signed-in person's recent people.
func (h *Handler) rememberPerson(c echo.Context, u *client.User) {
	who, ok := h.identity(c.Request().Context())
	if !ok {
		return
	}
	name := u.Name()
	if utf8.RuneCountInString(name) > maxRecentName {
		name = string([]rune(name)[:maxRecentName])
	}
	list := []recentEntry{{ID: u.ID, Name: name}}
	for _, p := range h.recentPeople(c) {
		if p.ID != u.ID && len(list) < maxRecent {
			list = append(list, recentEntry{ID: p.ID, Name: p.Name})
		}
	}
	h.writeCookie(c, recentCookie, recentValue{E: who.Email, P: list})
}

// homePanels is what the search page shows before a search: the people opened
// in this session and the signed-in person's own recent actions from the
// audit trail (every member of staff sees their own; the whole trail
// stays for admins).
func (h *Handler) homePanels(c echo.Context) views.Home {
	ctx := c.Request().Context()
	home := views.Home{Recent: h.recentPeople(c)}
	who, ok := h.identity(ctx)
	r, readable := h.audit.(auditReader)
	if !ok || !readable || who.Email == "" {
		return home
	}
	home.MineShown = true
	rctx, cancel := context.WithTimeout(ctx, myActionsBudget)
	defer cancel()
	page, err := r.List(rctx, audit.Filter{Actor: who.Email, Limit: myActionsRead})
	if err != nil {
		h.log.WarnContext(ctx, "own recent actions unavailable", "error", err)
		home.MineMissing = true
		return home
	}
	home.Mine = h.myActions(rctx, page.Records)
	return home
}

// myActions turns one's records, newest first, into the lines of "My
// recent actions": each bulk job's records (its start and every person's)
// make one line, counted from the job itself when the console still has
// it, else from the records read.
func (h *Handler) myActions(ctx context.Context, recs []audit.Record) []views.MyAction {
	var out []views.MyAction
	jobLines := map[string]*views.JobLine{}
	for _, r := range recs {
		id := r.Params["job"]
		if id == "" || r.Action == access.StopJob {
			if len(out) < myActions {
				out = append(out, views.MyAction{Record: r})
			}
			continue
		}
		j := jobLines[id]
		if j == nil {
			if len(out) == myActions {
				continue
			}
			j = &views.JobLine{ID: id, Logout: r.Action == access.Logout || r.Action == access.BulkLogout, Ticket: r.Ticket}
			jobLines[id] = j
			out = append(out, views.MyAction{Record: r, Job: j})
		}
		if !r.Action.IsBulk() && r.Outcome == audit.OutcomeSucceeded {
			j.Done++
		}
	}
	if h.jobs != nil {
		for id, j := range jobLines {
			if job, err := h.jobs.Job(ctx, id); err == nil {
				j.Done, j.Ticket = job.Counts.Done, job.Ticket
			}
		}
	}
	return out
}

type createdValue struct {
	ID  int64 `json:"i"`
	All bool  `json:"a"` // the manager, roles and invitation all went through
}

// justCreated is the notice for the page of a person created a moment ago
// (once: the cookie goes with it), or nil.
func (h *Handler) justCreated(c echo.Context, id int64) *views.Notice {
	var v createdValue
	if !h.readCookie(c, createdCookie, &v) || v.ID != id {
		return nil
	}
	h.writeCookie(c, createdCookie, nil)
	if v.All {
		return &views.Notice{Kind: "success", Message: "Created this account. What you set up with it is in the history below."}
	}
	return &views.Notice{Kind: "warning", Message: "Created this account, but not everything you asked for went through: see the history below."}
}
