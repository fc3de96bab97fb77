package audit

import "strings"

// Field is what one condition of a Filter compares. The SQL stores write
// each in their dialect; which conditions a filter sets, and how its values
// are trimmed and folded, is decided here once.
type Field int

// The fields, with the type of their Cond's Value.
const (
	FieldActor      Field = iota + 1 // string: actor email, case-insensitive (A-Z) exact match
	FieldTargetID                    // int64: target user id
	FieldTarget                      // string: target email, case-insensitive (A-Z) exact match
	FieldActorLike                   // string, lowered A-Z: contained in the lowered actor email
	FieldTargetLike                  // string, lowered A-Z: contained in the lowered target name or email
	FieldAction                      // string: action
	FieldOutcome                     // string: outcome
	FieldTicket                      // string, lowered A-Z: the lowered ticket
	FieldJob                         // string: the "job" parameter
	FieldFrom                        // time.Time: record time, inclusive
	FieldTo                          // time.Time: record time, exclusive
	FieldBefore                      // int64: record id below it (the keyset cursor)
)

// Cond is one condition of a Filter and the value it compares with.
type Cond struct {
	Field Field
	Value any
}

// Conds are the conditions f sets, all of which must hold, in a fixed
// order. withCursor adds the Before cursor, which List applies and the
// export does not.
func (f Filter) Conds(withCursor bool) []Cond {
	var out []Cond
	add := func(field Field, v any) { out = append(out, Cond{field, v}) }
	if a := strings.TrimSpace(f.Actor); a != "" {
		add(FieldActor, a)
	}
	if id, ok := f.TargetUserID(); ok {
		add(FieldTargetID, id)
	} else if t := strings.TrimSpace(f.Target); t != "" {
		add(FieldTarget, t)
	}
	if a := LowerASCII(strings.TrimSpace(f.ActorLike)); a != "" {
		add(FieldActorLike, a)
	}
	if t := LowerASCII(strings.TrimSpace(f.TargetLike)); t != "" {
		add(FieldTargetLike, t)
	}
	if f.Action != "" {
		add(FieldAction, string(f.Action))
	}
	if f.Outcome != "" {
		add(FieldOutcome, string(f.Outcome))
	}
	if t := LowerASCII(strings.TrimSpace(f.Ticket)); t != "" {
		add(FieldTicket, t)
	}
	if j := strings.TrimSpace(f.Job); j != "" {
		add(FieldJob, j)
	}
	if !f.From.IsZero() {
		add(FieldFrom, f.From)
	}
	if !f.To.IsZero() {
		add(FieldTo, f.To)
	}
	if withCursor && f.Before > 0 {
		add(FieldBefore, f.Before)
	}
	return out
}

// Paged is one List page from up to limit+1 records read newest first:
// the extra record only tells that an older page exists.
func Paged(records []Record, limit int) Page {
	p := Page{Records: records}
	if len(records) > limit {
		p.Records = records[:limit]
		p.Next = p.Records[limit-1].ID
	}
	return p
}
