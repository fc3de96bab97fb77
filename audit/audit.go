// Package audit keeps the console's audit trail: one record for every action
// a person attempts, whether it was allowed or refused, and whether OneLogin
// then succeeded or failed.
//
// A record is written before OneLogin is called and completed afterwards, so
// a crash in between leaves a "pending" record rather than no record. If the
// store cannot write, the caller must refuse the action:
//
//	id, err := store.Begin(ctx, audit.Record{
//		ActorEmail: me.Email, ActorRole: me.Role.String(),
//		SourceIP: c.RealIP(), RequestID: reqID,
//		TargetID: u.ID, TargetEmail: u.Email, TargetName: u.Name,
//		Action: access.Lock, Params: map[string]string{"minutes": "30"},
//		Ticket: form.Ticket,
//	})
//	if err != nil {
//		return err // refuse: no audit record, no action
//	}
//	res := audit.Result{Outcome: audit.OutcomeSucceeded, Status: 200}
//	var apiErr *client.Error
//	if err := api.LockUser(ctx, u.ID, 30); errors.As(err, &apiErr) {
//		res = audit.Result{Outcome: audit.OutcomeFailed, Status: apiErr.HTTPStatus, Message: apiErr.Message}
//	} else if err != nil {
//		res = audit.Result{Outcome: audit.OutcomeFailed, Message: "OneLogin could not be reached"}
//	}
//	if err := store.Complete(ctx, id, res); err != nil {
//		logger.Error("audit complete", "err", err) // the action already happened
//	}
//
// A refused attempt is one call: Begin with Outcome set to OutcomeDenied
// writes a record that is already complete.
//
// Secrets never enter the trail: Begin refuses parameters whose key mentions
// a password, hash, salt, token or secret (see ErrSecretParam), whatever the
// caller meant by it.
//
// This package holds the record types and the rules every store applies
// (Prepare, Filter.Match, SameRefusal, the CSV export WriteCSV, the log
// line). The stores live apart and only read and write rows: sqlitestore
// (an embedded SQLite file) and pgstore (PostgreSQL shared by replicas);
// audit/audittest has an in-memory store for tests of other packages, a
// failing wrapper and the conformance suite every store passes.
package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"onelogin-helpdesk/access"
)

// Outcome is where an attempt ended.
type Outcome string

// The outcomes. Pending means OneLogin was about to be called and no result
// has been recorded (yet, or ever: the process may have stopped).
//
// Unknown means the change was sent and OneLogin did not answer in time: it
// may or may not have been made.
const (
	OutcomePending   Outcome = "pending"
	OutcomeSucceeded Outcome = "succeeded"
	OutcomeFailed    Outcome = "failed"
	OutcomeDenied    Outcome = "denied"
	OutcomeUnknown   Outcome = "unknown"
)

func (o Outcome) Valid() bool {
	switch o {
	case OutcomePending, OutcomeSucceeded, OutcomeFailed, OutcomeDenied, OutcomeUnknown, OutcomeUnverified:
		return true
	}
	return false
}

// Record is one attempted action.
type Record struct {
	ID   int64     // assigned by Begin
	Time time.Time // when the attempt began; Begin fills it in when zero

	ActorEmail string
	ActorRole  string // access.Role.String()
	SourceIP   string
	RequestID  string

	TargetID    int64 // OneLogin user id; 0 when there is none (a search)
	TargetEmail string
	TargetName  string

	Action access.Action
	// Params are the action's non-secret parameters: lock minutes, roles
	// added, the new state. Keys that name a secret are refused.
	Params map[string]string
	Ticket string // the change ticket the person gave, if any
	Reason string // free-text reason, or why the attempt was denied

	Outcome     Outcome
	Status      int    // OneLogin's HTTP status; 0 when OneLogin was not called
	Message     string // OneLogin's safe message, or ours
	CompletedAt time.Time

	// Repeats counts the further identical refused attempts collapsed into
	// this record (see Store.Deny); LastAt is when the last one came.
	Repeats int
	LastAt  time.Time
}

// Result is how an attempt ended, for Complete.
type Result struct {
	Outcome Outcome
	Status  int
	Message string
	// TargetID is the id OneLogin gave the person the attempt created,
	// which was not known when it began; 0 keeps the record's target.
	TargetID int64
}

// Filter selects records for the audit page and the CSV export. Zero fields
// match everything; set fields must all match.
//
// Case-insensitive here means A to Z only: ASCII letters compare ignoring
// case, every other character (é, the Kelvin sign, ß) compares exactly, in
// every store.
type Filter struct {
	Actor string // actor email, case-insensitive exact match
	// Target is a OneLogin user id when it is all digits, otherwise a target
	// email (case-insensitive exact match).
	Target string
	// ActorLike matches records whose actor email contains it,
	// case-insensitively ("ann" finds ann@… and joanne@…).
	ActorLike string
	// TargetLike matches records whose target name or target email contains
	// it, case-insensitively ("dubois", "marguerite.d", "@example.org").
	TargetLike string
	Action     access.Action
	Outcome    Outcome
	// Ticket matches records with this ticket, case-insensitively.
	Ticket string
	// Job matches the records of one bulk job: its start and each person's
	// (the "job" parameter).
	Job  string
	From time.Time // inclusive
	To   time.Time // exclusive

	// Before is the keyset cursor: only records with ID < Before. Use
	// Page.Next from the previous page. Ignored by ExportCSV.
	Before int64
	// Limit is the page size; 0 means DefaultPageSize, and it is capped at
	// MaxPageSize. Ignored by ExportCSV, which streams every match.
	Limit int
}

// Paging limits.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// PageSize is the page size List returns: Limit within its bounds.
func (f Filter) PageSize() int {
	switch {
	case f.Limit <= 0:
		return DefaultPageSize
	case f.Limit > MaxPageSize:
		return MaxPageSize
	}
	return f.Limit
}

// TargetUserID reports the target as a OneLogin user id, when it is one.
func (f Filter) TargetUserID() (int64, bool) {
	t := strings.TrimSpace(f.Target)
	if t == "" {
		return 0, false
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(t, 10, 64)
	return id, err == nil
}

// Page is one page of records, newest first.
type Page struct {
	Records []Record
	// Next is the cursor for the following (older) page: set it as
	// Filter.Before. Zero when this is the last page.
	Next int64
}

// Store is the audit trail. Implementations are safe for concurrent use.
type Store interface {
	// Begin writes a new record and returns its id. An empty Outcome is
	// stored as pending; a final outcome (typically denied) is stored as
	// already complete.
	Begin(ctx context.Context, r Record) (int64, error)
	// Complete records how a pending attempt ended. It fails with
	// ErrNotFound for an unknown id and ErrCompleted when the record was
	// already complete.
	Complete(ctx context.Context, id int64, r Result) error
	// List returns one page of matching records, newest first.
	List(ctx context.Context, f Filter) (Page, error)
	// ForTarget returns up to limit of the newest records about one user.
	ForTarget(ctx context.Context, targetID int64, limit int) ([]Record, error)
	// ExportCSV streams every matching record, newest first, as CSV.
	ExportCSV(ctx context.Context, f Filter, w io.Writer) error
	// Deny writes a refused attempt, already complete. When the newest
	// refused attempt by the same actor, of the same action, on the same
	// target and for the same reason began less than within ago, it adds
	// one to that record's Repeats instead, so that one person hammering a
	// refusal cannot flood the trail. It returns the record's id.
	Deny(ctx context.Context, r Record, within time.Duration) (int64, error)
	// Last returns the newest record about targetID that any of kinds
	// picks; ok is false when there is none.
	Last(ctx context.Context, targetID int64, kinds ...Kind) (r Record, ok bool, err error)
	Close() error
}

// Kind picks the records of one action that ended (so far) in any of
// Outcomes, for Store.Last: a lock that succeeded, or whose answer never
// came, is still a lock.
type Kind struct {
	Action   access.Action
	Outcomes []Outcome
}

// Succeeded picks the succeeded records of each action.
func Succeeded(actions ...access.Action) []Kind {
	out := make([]Kind, len(actions))
	for i, a := range actions {
		out[i] = Kind{Action: a, Outcomes: []Outcome{OutcomeSucceeded}}
	}
	return out
}

// Picks reports whether one of kinds picks r.
func Picks(kinds []Kind, r Record) bool {
	for _, k := range kinds {
		if k.Action == r.Action && slices.Contains(k.Outcomes, r.Outcome) {
			return true
		}
	}
	return false
}

// Pruner is a store that can forget old records, for retention
// (HELPDESK_AUDIT_RETENTION). Every store the console uses has it.
type Pruner interface {
	// DeleteBefore deletes every record that began before cutoff and
	// returns how many went.
	DeleteBefore(ctx context.Context, cutoff time.Time) (int64, error)
}

// Errors the stores return. Callers treat any error from Begin as "refuse
// the action".
var (
	ErrNotFound    = errors.New("audit: no such record")
	ErrCompleted   = errors.New("audit: record already complete")
	ErrSecretParam = errors.New("audit: parameter names a secret")
	ErrInvalid     = errors.New("audit: invalid record")
	ErrUnavailable = errors.New("audit: store unavailable")
	ErrClosed      = errors.New("audit: store closed")
)

// secretWords are the parts of a parameter key that mark it as carrying a
// secret. Matching is by substring so "new_password" and "mfaToken" are both
// caught; the price is that a harmless key like "hash_algorithm" must be
// renamed ("algorithm").
var secretWords = []string{"password", "passwd", "hash", "salt", "token", "secret", "otp"}

// Field limits keep a single bad caller from bloating the trail.
const (
	MaxParams   = 64
	MaxFieldLen = 1024
)

// Prepare validates a record for Begin and normalises it; every store calls
// it first. It never echoes a parameter value in an error, since the value
// may be the secret.
func Prepare(r Record, now time.Time) (Record, error) {
	if strings.TrimSpace(string(r.Action)) == "" {
		return r, fmt.Errorf("%w: action is required", ErrInvalid)
	}
	if r.Outcome == "" {
		r.Outcome = OutcomePending
	}
	if !r.Outcome.Valid() {
		return r, fmt.Errorf("%w: unknown outcome %q", ErrInvalid, r.Outcome)
	}
	if len(r.Params) > MaxParams {
		return r, fmt.Errorf("%w: %d parameters, at most %d", ErrInvalid, len(r.Params), MaxParams)
	}
	params := make(map[string]string, len(r.Params))
	for k, v := range r.Params {
		if k == "" {
			return r, fmt.Errorf("%w: empty parameter name", ErrInvalid)
		}
		lk := strings.ToLower(k)
		for _, w := range secretWords {
			if strings.Contains(lk, w) {
				return r, fmt.Errorf("%w: %q", ErrSecretParam, clip(k))
			}
		}
		params[clip(k)] = clip(v)
	}
	r.Params = params
	if r.Time.IsZero() {
		r.Time = now
	}
	r.Time = r.Time.UTC()
	r.ID = 0
	r.Repeats, r.LastAt = 0, time.Time{}
	r.CompletedAt = time.Time{}
	if r.Outcome != OutcomePending {
		r.CompletedAt = r.Time
	}
	for _, s := range []*string{&r.ActorEmail, &r.ActorRole, &r.SourceIP, &r.RequestID,
		&r.TargetEmail, &r.TargetName, &r.Ticket, &r.Reason, &r.Message} {
		*s = clip(*s)
	}
	r.Action = access.Action(clip(string(r.Action)))
	return r, nil
}

// PrepareResult validates a result for Complete.
func PrepareResult(res Result) (Result, error) {
	if res.Outcome == "" || res.Outcome == OutcomePending || !res.Outcome.Valid() {
		return res, fmt.Errorf("%w: Complete needs a final outcome, got %q", ErrInvalid, res.Outcome)
	}
	if res.TargetID < 0 {
		return res, fmt.Errorf("%w: target id %d", ErrInvalid, res.TargetID)
	}
	res.Message = clip(res.Message)
	return res, nil
}

// clip shortens a string to the field limit without splitting a rune.
func clip(s string) string {
	if len(s) <= MaxFieldLen {
		return s
	}
	cut := MaxFieldLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// SortedParams renders params as "k=v; k=v" in key order, for CSV and logs.
func SortedParams(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(p[k])
	}
	return b.String()
}

// LogBegin and LogComplete write the structured log line that mirrors each
// record, so the trail also reaches whatever collects the process's logs.
// Stores call them once a record is written.
func LogBegin(ctx context.Context, l *slog.Logger, r Record) {
	level := slog.LevelInfo
	if r.Outcome == OutcomeDenied {
		level = slog.LevelWarn
	}
	l.LogAttrs(ctx, level, "audit",
		slog.Int64("audit_id", r.ID),
		slog.Time("time", r.Time),
		slog.String("actor_email", r.ActorEmail),
		slog.String("actor_role", r.ActorRole),
		slog.String("source_ip", r.SourceIP),
		slog.String("request_id", r.RequestID),
		slog.Int64("target_id", r.TargetID),
		slog.String("target_email", r.TargetEmail),
		slog.String("target_name", r.TargetName),
		slog.String("action", string(r.Action)),
		slog.Any("params", r.Params),
		slog.String("ticket", r.Ticket),
		slog.String("reason", r.Reason),
		slog.String("outcome", string(r.Outcome)),
	)
}

func LogComplete(ctx context.Context, l *slog.Logger, id int64, res Result) {
	level := slog.LevelInfo
	if res.Outcome != OutcomeSucceeded {
		level = slog.LevelWarn
	}
	l.LogAttrs(ctx, level, "audit complete",
		slog.Int64("audit_id", id),
		slog.String("outcome", string(res.Outcome)),
		slog.Int("status", res.Status),
		slog.String("message", res.Message),
	)
}

// OrDiscard is l, or a logger that discards when l is nil.
func OrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// Option configures a store.
type Option func(*Options)

// Options are what the Option functions set; stores read them through
// NewOptions.
type Options struct {
	Now func() time.Time
}

// WithClock sets the clock used to stamp records, for tests.
func WithClock(now func() time.Time) Option {
	return func(o *Options) { o.Now = now }
}

// NewOptions applies opts over the defaults.
func NewOptions(opts []Option) Options {
	o := Options{Now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Match reports whether r passes the filter's fields. It ignores the
// Before cursor, which each store applies to its own listing.
func (f Filter) Match(r Record) bool {
	if a := strings.TrimSpace(f.Actor); a != "" && !strings.EqualFold(a, r.ActorEmail) {
		return false
	}
	if id, ok := f.TargetUserID(); ok {
		if r.TargetID != id {
			return false
		}
	} else if t := strings.TrimSpace(f.Target); t != "" && !strings.EqualFold(t, r.TargetEmail) {
		return false
	}
	if a := LowerASCII(strings.TrimSpace(f.ActorLike)); a != "" && !strings.Contains(LowerASCII(r.ActorEmail), a) {
		return false
	}
	if t := LowerASCII(strings.TrimSpace(f.TargetLike)); t != "" &&
		!strings.Contains(LowerASCII(r.TargetName), t) && !strings.Contains(LowerASCII(r.TargetEmail), t) {
		return false
	}
	if f.Action != "" && f.Action != r.Action {
		return false
	}
	if f.Outcome != "" && f.Outcome != r.Outcome {
		return false
	}
	if t := strings.TrimSpace(f.Ticket); t != "" && LowerASCII(t) != LowerASCII(r.Ticket) {
		return false
	}
	if j := strings.TrimSpace(f.Job); j != "" && r.Params["job"] != j {
		return false
	}
	// Compare at microsecond precision, as the stores keep it.
	t := r.Time.UnixMicro()
	if !f.From.IsZero() && t < f.From.UnixMicro() {
		return false
	}
	if !f.To.IsZero() && t >= f.To.UnixMicro() {
		return false
	}
	return true
}

// LowerASCII lowers A to Z and leaves every other character as it is: the
// case folding of Filter's partial matches, which SQL's lower() also does
// in SQLite (without ICU).
func LowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// SameRefusal reports whether two refused attempts are repeats of each
// other for Store.Deny: the same actor, action, target and reason.
func SameRefusal(a, b Record) bool {
	return a.Outcome == OutcomeDenied && b.Outcome == OutcomeDenied &&
		strings.EqualFold(a.ActorEmail, b.ActorEmail) && a.Action == b.Action &&
		a.TargetID == b.TargetID && strings.EqualFold(a.TargetEmail, b.TargetEmail) && a.Reason == b.Reason
}
