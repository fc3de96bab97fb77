package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"onelogin-helpdesk/audit"
)

// Table is one of the report's tables, as the page shows it and its CSV
// download holds it: the one source of both.
type Table struct {
	// Name is its name in the download's address (?table=).
	Name    string
	Caption string
	Columns []string
	Rows    [][]string
}

// Tables are the report's tables by name.
const (
	TableActivity = "activity"
	TableAgents   = "agents"
	TableSources  = "sources"
)

// TableNames lists the tables, in the page's order.
var TableNames = []string{TableActivity, TableAgents, TableSources}

// Table returns the table named name; ok is false for an unknown name.
func (r Report) Table(name string) (t Table, ok bool) {
	switch name {
	case TableActivity:
		return r.activity(), true
	case TableAgents:
		return r.agents(), true
	case TableSources:
		return r.sources(), true
	}
	return Table{}, false
}

// PeriodLabel names a period's row: its day, or the Monday of its week.
func (r Report) PeriodLabel(start time.Time) string {
	if r.Query.Period == Week {
		return "week of " + start.Format(time.DateOnly)
	}
	return start.Format(time.DateOnly)
}

func (r Report) activity() Table {
	t := Table{Name: TableActivity, Caption: "Per " + string(r.Query.Period),
		Columns: []string{"Period", "Unlocks by the helpdesk", "Self-service unlocks", "Self-service share (%)",
			"Password resets", "Set-password links", "Temporary MFA tokens", "Refusals",
			"Median minutes from lock to unlock", "Unlocks timed"}}
	for _, row := range r.Rows {
		t.Rows = append(t.Rows, append(append([]string{r.PeriodLabel(row.Start)}, row.Counts.cells()...),
			minutes(row.Median, row.Timed), strconv.Itoa(row.Timed)))
	}
	return t
}

func (r Report) agents() Table {
	t := Table{Name: TableAgents, Caption: "By agent, over the whole report",
		Columns: []string{"Agent", "Unlocks by the helpdesk", "Self-service unlocks", "Self-service share (%)",
			"Password resets", "Set-password links", "Temporary MFA tokens", "Refusals"}}
	for _, a := range r.Agents {
		t.Rows = append(t.Rows, append([]string{a.Name()}, a.Counts.cells()...))
	}
	return t
}

func (r Report) sources() Table {
	t := Table{Name: TableSources, Caption: "Addresses unlock requests came from",
		Columns: []string{"Address", "Requests on the public unlock page"}}
	for _, s := range r.Sources {
		t.Rows = append(t.Rows, []string{s.Address, strconv.Itoa(s.Count)})
	}
	return t
}

// Name is how the report names an agent.
func (a Agent) Name() string {
	if a.SelfService {
		return "Self-service (the people themselves)"
	}
	return a.Email
}

func (c Counts) cells() []string {
	share := ""
	if p, ok := c.SelfShare(); ok {
		share = strconv.Itoa(p)
	}
	return []string{strconv.Itoa(c.Unlocks), strconv.Itoa(c.SelfUnlocks), share, strconv.Itoa(c.PasswordResets),
		strconv.Itoa(c.PasswordLinks), strconv.Itoa(c.TempTokens), strconv.Itoa(c.Refusals)}
}

// minutes is a median in whole minutes, rounded; "" when nothing was timed.
func minutes(d time.Duration, timed int) string {
	if timed == 0 {
		return ""
	}
	return strconv.FormatInt(int64(d.Round(time.Minute)/time.Minute), 10)
}

// WriteCSV writes the table with its header, every cell defused for
// spreadsheets.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for _, row := range t.Rows {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = audit.Defuse(c)
		}
		if err := cw.Write(out); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
