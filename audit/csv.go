package audit

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

var csvHeader = []string{
	"id", "time", "actor_email", "actor_role", "source_ip", "request_id",
	"target_id", "target_email", "target_name", "action", "params",
	"ticket", "reason", "outcome", "status", "message", "completed_at",
}

// csvWriter writes records as CSV, flushing as it goes so a long export
// reaches the browser while it is still being read from the store.
type csvWriter struct {
	w *csv.Writer
	n int
}

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: csv.NewWriter(w)} }

func (c *csvWriter) header() error {
	if err := c.w.Write(csvHeader); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}

func (c *csvWriter) record(r Record) error {
	completed := ""
	if !r.CompletedAt.IsZero() {
		completed = r.CompletedAt.Format(time.RFC3339Nano)
	}
	row := []string{
		strconv.FormatInt(r.ID, 10),
		r.Time.Format(time.RFC3339Nano),
		r.ActorEmail, r.ActorRole, r.SourceIP, r.RequestID,
		strconv.FormatInt(r.TargetID, 10),
		r.TargetEmail, r.TargetName, string(r.Action),
		sortedParams(r.Params),
		r.Ticket, r.Reason, string(r.Outcome),
		strconv.Itoa(r.Status), r.Message, completed,
	}
	for i := range row {
		row[i] = defuse(row[i])
	}
	if err := c.w.Write(row); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	c.n++
	if c.n%100 == 0 {
		return c.flush()
	}
	return nil
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}

// defuse stops a spreadsheet from reading a cell as a formula: names and
// reasons are typed by people and may start with '=' or '@'.
func defuse(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
