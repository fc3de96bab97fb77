package audit

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
)

// WriteCSV writes an export: the header, then each record as records
// yields it (newest first), flushing as it goes. Every store's ExportCSV is
// this over its rows, so the layout and the spreadsheet-safe cells are the
// same whichever store answers.
func WriteCSV(w io.Writer, records iter.Seq2[Record, error]) error {
	cw := NewCSVWriter(w)
	if err := cw.Header(); err != nil {
		return err
	}
	for r, err := range records {
		if err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
		if err := cw.Record(r); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// CSVHeader is the export's first row.
var CSVHeader = []string{
	"id", "time", "actor_email", "actor_role", "source_ip", "request_id",
	"target_id", "target_email", "target_name", "action", "params",
	"ticket", "reason", "outcome", "status", "message", "completed_at",
	"repeats", "last_at",
}

// CSVWriter writes records as CSV, flushing as it goes so a long export
// reaches the browser while it is still being read from the store. Stores
// use WriteCSV; CSVWriter is for a writer that paces the rows itself.
type CSVWriter struct {
	w *csv.Writer
	n int
}

// NewCSVWriter starts an export: write the header, each record, then
// flush.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Header writes the column names.
func (c *CSVWriter) Header() error {
	if err := c.w.Write(CSVHeader); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}

// Record writes one row.
func (c *CSVWriter) Record(r Record) error {
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339Nano)
	}
	row := []string{
		strconv.FormatInt(r.ID, 10),
		r.Time.Format(time.RFC3339Nano),
		r.ActorEmail, r.ActorRole, r.SourceIP, r.RequestID,
		strconv.FormatInt(r.TargetID, 10),
		r.TargetEmail, r.TargetName, string(r.Action),
		SortedParams(r.Params),
		r.Ticket, r.Reason, string(r.Outcome),
		strconv.Itoa(r.Status), r.Message, stamp(r.CompletedAt),
		strconv.Itoa(r.Repeats), stamp(r.LastAt),
	}
	for i := range row {
		row[i] = Defuse(row[i])
	}
	if err := c.w.Write(row); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	c.n++
	if c.n%100 == 0 {
		return c.Flush()
	}
	return nil
}

// Flush ends the export.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}

// Defuse stops a spreadsheet from reading a cell as a formula: names and
// reasons are typed by people and may start with '=' or '@'.
func Defuse(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
