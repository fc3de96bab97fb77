package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/audit"
	"onelogin-helpdesk/jobs"
	"onelogin-helpdesk/views"
)

// The audit page for admins: GET /audit (filters, newest first, keyset
// paging with ?before=) and GET /audit.csv (the same filters, every match,
// streamed as a download).

// auditReader is what the audit page needs from the trail. Every
// audit.Store has it; a Recorder without it (tests) has no page to show.
type auditReader interface {
	List(ctx context.Context, f audit.Filter) (audit.Page, error)
	ExportCSV(ctx context.Context, f audit.Filter, w io.Writer) error
}

// errNoAuditReader answers when the console keeps no readable trail.
var errNoAuditReader = &problem{Status: http.StatusServiceUnavailable, Heading: "Audit trail not readable",
	Message: "This console keeps no audit trail that can be read here."}

// maxAuditField bounds the typed filters; an email is at most 254 characters.
const maxAuditField = 254

// auditOutcomes are the outcomes the filter offers, in the order a person
// thinks of them.
var auditOutcomes = []audit.Outcome{audit.OutcomeSucceeded, audit.OutcomeFailed, audit.OutcomeDenied, audit.OutcomePending}

// auditInput is the audit page's query: the filter and the page cursor.
type auditInput struct {
	views.AuditFilter
	Before string
}

func readAuditInput(c echo.Context) auditInput {
	q := c.QueryParams()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return auditInput{AuditFilter: views.AuditFilter{
		Actor: get("actor"), Target: get("target"), Action: get("action"),
		Outcome: get("outcome"), From: get("from"), To: get("to"),
		Ticket: get("ticket"), Job: get("job"),
	}, Before: get("before")}
}

// url is this filter's address on the page before the cursor (0: the first).
func (in auditInput) url(path string, before int64) string {
	v := in.Query()
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// Validate checks the filter without reading the trail and turns it into an
// audit.Filter. Days are read in loc, and "to" includes its whole day. Its
// errors are *problem with a message fit to show.
func (in auditInput) Validate(loc *time.Location) (audit.Filter, error) {
	var f audit.Filter
	if utf8.RuneCountInString(in.Actor) > maxAuditField || utf8.RuneCountInString(in.Target) > maxAuditField {
		return f, badRequest(fmt.Sprintf("Type at most %d characters in “who” and “account”.", maxAuditField))
	}
	// Who and account match part of what was typed; an account typed as a
	// whole number is that user id.
	f.ActorLike = in.Actor
	if _, isID := (audit.Filter{Target: in.Target}).TargetUserID(); isID {
		f.Target = in.Target
	} else {
		f.TargetLike = in.Target
	}
	if utf8.RuneCountInString(in.Ticket) > maxTicket {
		return f, badRequest(fmt.Sprintf("A ticket is at most %d characters.", maxTicket))
	}
	f.Ticket = in.Ticket
	if in.Job != "" && !jobs.ValidID(in.Job) {
		return f, badRequest("“Bulk job” is the job's number, as its page shows it.")
	}
	f.Job = in.Job
	if in.Action != "" {
		if !slices.Contains(access.Actions(), access.Action(in.Action)) {
			return f, badRequest("Choose the action from the list.")
		}
		f.Action = access.Action(in.Action)
	}
	if in.Outcome != "" {
		if !slices.Contains(auditOutcomes, audit.Outcome(in.Outcome)) {
			return f, badRequest("Choose the outcome from the list: succeeded, failed, denied or pending.")
		}
		f.Outcome = audit.Outcome(in.Outcome)
	}
	var err error
	if in.From != "" {
		if f.From, err = time.ParseInLocation(time.DateOnly, in.From, loc); err != nil {
			return f, badRequest(fmt.Sprintf("“From” must be a date like 2024-05-31; %q is not.", clip(in.From)))
		}
	}
	if in.To != "" {
		to, err := time.ParseInLocation(time.DateOnly, in.To, loc)
		if err != nil {
			return f, badRequest(fmt.Sprintf("“To” must be a date like 2024-05-31; %q is not.", clip(in.To)))
		}
		f.To = to.AddDate(0, 0, 1) // the filter's To is exclusive; the person means the whole day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, badRequest("“From” is later than “to”, so nothing can match. Swap the dates.")
	}
	if in.Before != "" {
		n, err := strconv.ParseInt(in.Before, 10, 64)
		if err != nil || n <= 0 {
			return f, badRequest("This page link is damaged. Start again from the first page.")
		}
		f.Before = n
	}
	return f, nil
}

// auditList is the audit page. An htmx request aimed at #audit-results gets
// just the results.
func (h *Handler) auditList(c echo.Context) error {
	ctx := c.Request().Context()
	in := readAuditInput(c)
	v := views.AuditView{
		Page:     h.page(c, "Audit trail", "audit"),
		Filter:   in.AuditFilter,
		Outcomes: make([]string, len(auditOutcomes)),
		Now:      h.now(),
		Loc:      h.loc,
		Fragment: wantsFragment(c) && hxTargetIs(c, "audit-results"),
	}
	for i, o := range auditOutcomes {
		v.Outcomes[i] = string(o)
	}
	for _, a := range access.Actions() {
		v.Actions = append(v.Actions, string(a))
	}
	slices.Sort(v.Actions)
	f, err := in.Validate(h.loc)
	if isHTMX(c) {
		// The server's canonical URL replaces the form's, which repeats
		// every empty field.
		c.Response().Header().Set(hxPushURL, in.url("/audit", f.Before))
	}
	if err != nil {
		v.Error = safeMessage(err)
		return h.auditAnswer(c, http.StatusBadRequest, v)
	}
	r, ok := h.audit.(auditReader)
	if !ok {
		return errNoAuditReader
	}
	page, err := r.List(ctx, f)
	if err != nil {
		h.log.ErrorContext(ctx, "audit trail unreadable", "error", err)
		v.Unavailable = "The store did not answer. Try again in a minute; if it persists, tell whoever runs the console."
		return h.auditAnswer(c, http.StatusServiceUnavailable, v)
	}
	v.Records = page.Records
	if page.Next > 0 {
		v.Older = in.url("/audit", page.Next)
	}
	if f.Before > 0 {
		v.Newest = in.url("/audit", 0)
	}
	v.CSV = in.url("/audit.csv", 0)
	return h.auditAnswer(c, http.StatusOK, v)
}

func (h *Handler) auditAnswer(c echo.Context, status int, v views.AuditView) error {
	if v.Fragment {
		return h.render(c, status, v.Page, views.AuditResults(v))
	}
	return h.render(c, status, v.Page, views.AuditPage(v))
}

// auditExport streams every record matching the filter as a CSV download.
// The store writes as it reads, so a long trail reaches the browser while it
// is still being read. A failure before the first byte is an error page; a
// failure after it aborts the connection, so the download fails visibly
// instead of ending early as if complete.
func (h *Handler) auditExport(c echo.Context) error {
	ctx := c.Request().Context()
	in := readAuditInput(c)
	in.Before = "" // the export is every match, whatever page the link came from
	f, err := in.Validate(h.loc)
	if err != nil {
		return err
	}
	r, ok := h.audit.(auditReader)
	if !ok {
		return errNoAuditReader
	}
	name := "helpdesk-audit-" + h.now().In(h.loc).Format("20060102-150405") + ".csv"
	w := &streamWriter{c: c, start: func(res *echo.Response) {
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
		res.Header().Set(echo.HeaderCacheControl, "no-store")
		res.WriteHeader(http.StatusOK)
	}}
	if err := r.ExportCSV(ctx, f, w); err != nil {
		if !w.started {
			return &problem{Status: http.StatusServiceUnavailable, Heading: "Export failed",
				Message: "The audit trail could not be read, so nothing was exported. Try again in a minute.", Err: err}
		}
		h.log.ErrorContext(ctx, "audit export failed part-way; connection aborted", "error", err)
		panic(http.ErrAbortHandler)
	}
	if !w.started {
		w.start(c.Response())
	}
	return nil
}

// exportWriteWindow is how long each write of an export may take. The
// server's WriteTimeout (60 s) bounds a whole response, which millions of
// rows outlast; the export moves the deadline on before every write
// instead, so it runs as long as the browser keeps reading and still ends
// when the browser stops.
var exportWriteWindow = time.Minute

// streamWriter sends the response headers on the first write, keeps the
// write deadline ahead of every write and flushes after each.
type streamWriter struct {
	c       echo.Context
	start   func(*echo.Response)
	started bool
	rc      *http.ResponseController
}

func (s *streamWriter) Write(p []byte) (int, error) {
	res := s.c.Response()
	if !s.started {
		s.started = true
		s.start(res)
		s.rc = http.NewResponseController(res)
	}
	// Without a deadline to move (a test recorder) there is none to miss.
	if err := s.rc.SetWriteDeadline(time.Now().Add(exportWriteWindow)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	n, err := res.Write(p)
	if err == nil {
		res.Flush()
	}
	return n, err
}
