package views

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"onelogin-helpdesk/access"
	"onelogin-helpdesk/client"
	"onelogin-helpdesk/jobs"
)

// LockedView is the Locked now page: the people locked right now, found
// from OneLogin's lock events and each confirmed against their account.
type LockedView struct {
	Page Page
	Now  time.Time
	Loc  *time.Location
	// At is when the list was read from OneLogin; zero if it never was.
	At   time.Time
	Rows []LockedRow
	// UnlockedSince counts people the events show locked who are not any
	// more; Unreadable those whose account could not be read.
	UnlockedSince int
	Unreadable    int
	// Truncated: there were more lock events than one refresh reads.
	Truncated bool
	// Calls is how many OneLogin calls the refresh took.
	Calls int
	// Note says why the list was not refreshed (OneLogin's quota is low).
	Note string
	// BulkMax is how many people the signed-in person may name in one bulk
	// job (0: none); BulkOff says why bulk jobs are not offered at all.
	BulkMax int
	BulkOff string
	// Form is the bulk form as sent back with its errors.
	Form Form
	// Confirm, when set, is the question before a bulk job starts.
	Confirm *BulkConfirm
	// Jobs are the newest bulk jobs.
	Jobs []jobs.Job
	// Indexed: the rows come from the directory index as of At (current
	// after anything done in the console), and the events saying how each
	// lock came about were read at EventsAt. Sprays are people locked in
	// one attack, each offered for a bulk job in one click.
	Indexed  bool
	EventsAt time.Time
	Sprays   []Spray
}

// Spray is a group of people locked from a shared set of addresses.
type Spray struct {
	Summary string // "24 people locked from 4 addresses between 09:10 and 09:14"
	IDs     []int64
}

// LockedRow is one person locked now.
type LockedRow struct {
	User client.User // as OneLogin has it now
	// LockedAt is when the lock event came; How says how it came about,
	// from the events ("after 5 failed sign-ins", "through the API").
	LockedAt time.Time
	How      string
	// Console is who locked them through the console, if someone did.
	Console *LockSource
	// Failures are the failed sign-ins in the hour before the lock, from
	// Sources (addresses, most frequent first) and Apps.
	Failures int
	Sources  []string
	Apps     []string
	Risk     int
	// Subject is what the access policy knows of the person.
	Subject access.Subject
	// Notice is the answer of a one-click action on the row.
	Notice *Notice
}

// RowView is what a row needs to render on its own (after its unlock).
type RowView struct {
	Page Page
	Now  time.Time
	Loc  *time.Location
	Row  LockedRow
	// Bulk shows the row's selection box.
	Bulk bool
	// Gone: the person is not locked any more; the row says so.
	Gone bool
}

// Row is the view of one of the page's rows.
func (v LockedView) Row(r LockedRow) RowView {
	return RowView{Page: v.Page, Now: v.Now, Loc: v.Loc, Row: r, Bulk: v.BulkMax > 0 && v.BulkOff == ""}
}

// CanUnlock reports whether the signed-in person may unlock the person.
func (v RowView) CanUnlock() bool {
	return !v.Gone && v.Page.SignedIn && access.Check(v.Page.Identity, access.Unlock, v.Row.Subject) == nil
}

// Freshness says how current the list is: "Read from OneLogin at 09:12
// (3 minutes ago)".
func (v LockedView) Freshness() string {
	if v.At.IsZero() {
		return "Not read from OneLogin yet."
	}
	if v.Indexed {
		s := "As of " + v.At.In(v.Loc).Format("15:04:05") + " from the console's directory index."
		if !v.EventsAt.IsZero() {
			s += " How each lock came about was read from OneLogin at " + ClockTime(v.EventsAt, v.Now, v.Loc) + "."
		}
		return s
	}
	return "Read from OneLogin at " + ClockTime(v.At, v.Now, v.Loc) + " (" + Relative(v.At, v.Now) + ")."
}

// Counts says what the list holds beyond its rows.
func (v LockedView) Counts() string {
	s := countWords(len(v.Rows), "person is", "people are") + " locked now"
	var extra []string
	if v.UnlockedSince > 0 {
		extra = append(extra, countWords(v.UnlockedSince, "person the events show locked is", "people the events show locked are")+" not any more")
	}
	if v.Unreadable > 0 {
		extra = append(extra, countWords(v.Unreadable, "account", "accounts")+" could not be read")
	}
	if len(extra) > 0 {
		s += "; " + strings.Join(extra, "; ")
	}
	if v.Calls > 0 {
		s += fmt.Sprintf(". The refresh took %s", countWords(v.Calls, "OneLogin call", "OneLogin calls"))
	}
	return s + "."
}

// WhyLine says how a row's lock came about: through the console (who,
// ticket), or from the events.
func WhyLine(r LockedRow, now time.Time, loc *time.Location) string {
	if r.Console != nil && r.Console.Console {
		return LockSourceLine(r.Console, now, loc)
	}
	if r.How != "" {
		return r.How
	}
	return "OneLogin's events do not say."
}

// SourcesLine lists a row's addresses: "203.0.113.24, 198.51.100.13 and
// 2 more addresses".
func SourcesLine(r LockedRow) string {
	if len(r.Sources) == 0 {
		return "–"
	}
	return listSome(r.Sources, 2, "address", "addresses")
}

// BulkConfirm is the one question before a bulk job: how many people, what
// will happen to them, under which ticket.
type BulkConfirm struct {
	Kind   jobs.Kind
	IDs    []int64
	Ticket string
	// Locks are the people of an unlock whose lock was placed through the
	// console, listed apart: the job skips each unless ticked here.
	Locks []ConsoleLock
	// Problem says why the question is asked again.
	Problem string
}

// ConsoleLock is a person of a bulk unlock whose lock was placed through
// the console (who placed it, their role, when, the ticket).
type ConsoleLock struct {
	ID   int64
	Name string
	Lock LockSource
}

// Question is the confirmation's question, naming the count and the ticket.
func (b BulkConfirm) Question() string {
	what := "Unlock "
	if b.Kind == jobs.KindLogout {
		what = "Log out "
	}
	q := what + countWords(len(b.IDs), "person", "people")
	if b.Ticket != "" {
		q += " under ticket " + b.Ticket
	} else {
		q += " without a ticket"
	}
	return q + "?"
}

// KindVerb is what a job does, as a verb: "unlock", "log out".
func KindVerb(k jobs.Kind) string {
	if k == jobs.KindLogout {
		return "log out"
	}
	return "unlock"
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
