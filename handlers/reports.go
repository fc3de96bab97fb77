package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/reports"
	"onelogin-helpdesk/views"
)

// The Reports page: GET /reports (per day or week, charts with their
// tables) and GET /reports.csv?table= (one table as a download). Admins
// read it, and helpdesk staff too when HELPDESK_REPORT_VIEWERS says so.

// Report ranges.
const (
	defaultReportDays  = 30
	defaultReportWeeks = 12
	maxReportDays      = 366
)

// reportInput is the page's query as typed.
type reportInput struct{ views.ReportsForm }

func readReportInput(c echo.Context) reportInput {
	q := c.QueryParams()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return reportInput{views.ReportsForm{Period: get("period"), From: get("from"), To: get("to")}}
}

// Validate turns the input into a query, filling in the default range
// (the last 30 days, or 12 weeks, to today) and the form with it.
func (in *reportInput) Validate(now time.Time, loc *time.Location) (reports.Query, error) {
	q := reports.Query{Period: reports.Day, Loc: loc}
	switch in.Period {
	case "", "day":
		in.Period = "day"
	case "week":
		q.Period = reports.Week
	default:
		return q, badRequest("Choose “day” or “week”.")
	}
	today := now.In(loc)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	if in.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, in.To, loc)
		if err != nil {
			return q, badRequest(fmt.Sprintf("“To” must be a date like 2024-05-31; %q is not.", clip(in.To)))
		}
		to = t
	}
	from := to.AddDate(0, 0, 1-defaultReportDays)
	if q.Period == reports.Week {
		from = to.AddDate(0, 0, 1-7*defaultReportWeeks)
	}
	if in.From != "" {
		f, err := time.ParseInLocation(time.DateOnly, in.From, loc)
		if err != nil {
			return q, badRequest(fmt.Sprintf("“From” must be a date like 2024-05-31; %q is not.", clip(in.From)))
		}
		from = f
	}
	switch {
	case from.After(to):
		return q, badRequest("“From” is later than “to”. Swap the dates.")
	case to.Sub(from) > maxReportDays*24*time.Hour:
		return q, badRequest(fmt.Sprintf("A report covers at most %d days. Shorten the range.", maxReportDays))
	}
	in.From, in.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	q.From, q.To = from, to.AddDate(0, 0, 1)
	return q, nil
}

// query is the input as a URL query, for the CSV links.
func (in reportInput) query(table string) string {
	v := url.Values{"period": {in.Period}, "from": {in.From}, "to": {in.To}, "table": {table}}
	return v.Encode()
}

// mayReadReports reports whether who may read the Reports page.
func (h *Handler) mayReadReports(who access.Identity) bool {
	return who.Role >= access.RoleAdmin || h.reportsHelpdesk && who.Role >= access.RoleHelpdesk
}

// requireReports refuses the Reports page to whoever may not read it.
func (h *Handler) requireReports(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		who, ok := h.identity(c.Request().Context())
		switch {
		case !ok:
			return echo.NewHTTPError(http.StatusUnauthorized)
		case !h.mayReadReports(who):
			return forbidden("Your role does not allow the reports. Ask an administrator if you need them.")
		}
		return next(c)
	}
}

// errNoReports answers when the console keeps no trail to report on.
var errNoReports = &problem{Status: http.StatusServiceUnavailable, Heading: "No reports",
	Message: "This console keeps no audit trail it can report on."}

// reportsPage is the Reports page.
func (h *Handler) reportsPage(c echo.Context) error {
	in := readReportInput(c)
	v := views.ReportsView{Page: h.page(c, "Reports", "reports"), Loc: h.loc}
	q, err := in.Validate(h.now(), h.loc)
	v.Form = in.ReportsForm
	if err != nil {
		v.Error = safeMessage(err)
		return h.render(c, http.StatusBadRequest, v.Page, views.ReportsPage(v))
	}
	if h.reports == nil {
		return errNoReports
	}
	ctx := c.Request().Context()
	r, err := reports.Build(ctx, h.reports, q)
	if err != nil {
		h.log.ErrorContext(ctx, "reports: audit trail unreadable", "error", err)
		v.Unavailable = "The store did not answer. Try again in a minute; if it persists, tell whoever runs the console."
		return h.render(c, http.StatusServiceUnavailable, v.Page, views.ReportsPage(v))
	}
	v.Report = &r
	v.CSV = map[string]string{}
	for _, name := range reports.TableNames {
		v.CSV[name] = "/reports.csv?" + in.query(name)
	}
	return h.render(c, http.StatusOK, v.Page, views.ReportsPage(v))
}

// reportsCSV is one of the page's tables as a download.
func (h *Handler) reportsCSV(c echo.Context) error {
	in := readReportInput(c)
	q, err := in.Validate(h.now(), h.loc)
	if err != nil {
		return err
	}
	name := c.QueryParam("table")
	if _, ok := (reports.Report{}).Table(name); !ok {
		return badRequest("Choose a table: " + strings.Join(reports.TableNames, ", ") + ".")
	}
	if h.reports == nil {
		return errNoReports
	}
	ctx := c.Request().Context()
	r, err := reports.Build(ctx, h.reports, q)
	if err != nil {
		return &problem{Status: http.StatusServiceUnavailable, Heading: "Export failed",
			Message: "The audit trail could not be read, so nothing was exported. Try again in a minute.", Err: err}
	}
	t, _ := r.Table(name)
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="helpdesk-report-%s-%s-%s-to-%s.csv"`, name, in.Period, in.From, in.To))
	res.Header().Set(echo.HeaderCacheControl, "no-store")
	res.WriteHeader(http.StatusOK)
	return t.WriteCSV(res)
}
