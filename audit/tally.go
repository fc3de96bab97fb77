package audit

import (
	"context"
	"strings"
	"time"
)

// OutcomeUnverified is a step by someone who has not proved who they are
// (a look-up on the public unlock page, a factor chosen, a code that did
// not verify): nothing was confirmed, so it is never shown as done.
const OutcomeUnverified Outcome = "unverified"

// Tallier is a store that keeps a flood of like steps as one record: the
// steps of one source in one window, with a count and a bounded sample of
// what was typed. Every store the console uses has it.
type Tallier interface {
	// Tally adds one step to the newest record of the same actor, action,
	// source address, outcome and reason that began less than within ago
	// (its Repeats grow by one, LastAt moves on, sample joins
	// Params[SampleParam]), or writes a new record. The record is
	// complete; it returns its id.
	Tally(ctx context.Context, r Record, within time.Duration, sample string) (int64, error)
}

// SampleParam is the parameter holding a tallied record's sample of what
// was typed.
const SampleParam = "sample"

// Sample bounds: a tallied record keeps at most MaxSample distinct
// entries of at most MaxSampleLen bytes each, whatever the flood.
const (
	MaxSample    = 20
	MaxSampleLen = 64
)

// sampleSep separates the sample's entries.
const sampleSep = " | "

// AddSample is sample with s added: s clipped, once, while there is room.
func AddSample(sample, s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "|", "/")
	if len(s) > MaxSampleLen {
		s = clipTo(s, MaxSampleLen) + "…"
	}
	if s == "" {
		return sample
	}
	if sample == "" {
		return s
	}
	entries := strings.Split(sample, sampleSep)
	for _, e := range entries {
		if e == s {
			return sample
		}
	}
	if len(entries) >= MaxSample {
		return sample
	}
	return sample + sampleSep + s
}

// SameTally reports whether b is a step Tally adds to a: the same actor,
// action, source address, outcome and reason.
func SameTally(a, b Record) bool {
	return strings.EqualFold(a.ActorEmail, b.ActorEmail) && a.Action == b.Action &&
		a.SourceIP == b.SourceIP && a.Outcome == b.Outcome && a.Reason == b.Reason
}

// PrepareTally is Prepare for Tally: the record is complete (pending
// becomes unverified) and its sample holds sample alone.
func PrepareTally(r Record, now time.Time, sample string) (Record, error) {
	if r.Outcome == "" || r.Outcome == OutcomePending {
		r.Outcome = OutcomeUnverified
	}
	params := make(map[string]string, len(r.Params)+1)
	for k, v := range r.Params {
		params[k] = v
	}
	params[SampleParam] = AddSample("", sample)
	r.Params = params
	return Prepare(r, now)
}

// clipTo shortens s to at most n bytes without splitting a rune.
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
