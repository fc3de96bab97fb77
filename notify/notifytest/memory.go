// Package notifytest holds what tests of package notify and its stores
// share: an in-memory Store, the conformance suite every Store passes, and
// a Sender that records or fails. Nothing here is used by the console.
package notifytest

import (
	"context"
	"slices"
	"sync"
	"time"

	"onelogin-helpdesk/notify"
)

// Memory is a notify.Store in memory.
type Memory struct {
	mu    sync.Mutex
	mails []notify.Mail // by id, from 1
}

var _ notify.Store = (*Memory)(nil)

// EnqueueMail implements notify.Store.
func (s *Memory) EnqueueMail(_ context.Context, m notify.Mail) (int64, error) {
	if err := notify.CheckMail(m); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m.ID = int64(len(s.mails) + 1)
	m.State, m.Attempts, m.Next, m.Owner, m.LeaseUntil, m.LastError, m.Ended = notify.StatePending, 0, m.Created, "", time.Time{}, "", time.Time{}
	s.mails = append(s.mails, m)
	return m.ID, nil
}

// ClaimMail implements notify.Store.
func (s *Memory) ClaimMail(_ context.Context, owner string, now time.Time, ttl time.Duration) (notify.Mail, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *notify.Mail
	for i := range s.mails {
		m := &s.mails[i]
		due := m.State == notify.StatePending && !m.Next.After(now) ||
			m.State == notify.StateSending && !m.LeaseUntil.After(now)
		if due && (best == nil || m.Next.Before(best.Next)) {
			best = m
		}
	}
	if best == nil {
		return notify.Mail{}, false, nil
	}
	best.State, best.Owner, best.LeaseUntil = notify.StateSending, owner, now.Add(ttl)
	best.Attempts++
	return *best, true, nil
}

// held returns the mail owner holds. Caller holds s.mu.
func (s *Memory) held(id int64, owner string) (*notify.Mail, error) {
	if id < 1 || id > int64(len(s.mails)) {
		return nil, notify.ErrNotFound
	}
	m := &s.mails[id-1]
	if m.State != notify.StateSending || m.Owner != owner {
		return nil, notify.ErrLeaseLost
	}
	return m, nil
}

// MailSent implements notify.Store.
func (s *Memory) MailSent(_ context.Context, id int64, owner string, now time.Time) error {
	return s.end(id, owner, notify.StateSent, now, "")
}

// MailFailed implements notify.Store.
func (s *Memory) MailFailed(_ context.Context, id int64, owner string, now time.Time, lastError string) error {
	return s.end(id, owner, notify.StateFailed, now, lastError)
}

func (s *Memory) end(id int64, owner string, st notify.State, now time.Time, lastError string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.held(id, owner)
	if err != nil {
		return err
	}
	m.State, m.Ended, m.Owner, m.LeaseUntil = st, now, "", time.Time{}
	if lastError != "" {
		m.LastError = notify.Truncate(lastError, notify.MaxErrorLen)
	}
	return nil
}

// MailRetry implements notify.Store.
func (s *Memory) MailRetry(_ context.Context, id int64, owner string, next time.Time, lastError string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.held(id, owner)
	if err != nil {
		return err
	}
	m.State, m.Next, m.Owner, m.LeaseUntil, m.LastError = notify.StatePending, next, "", time.Time{}, notify.Truncate(lastError, notify.MaxErrorLen)
	return nil
}

// Mails implements notify.Store.
func (s *Memory) Mails(_ context.Context, f notify.Filter) ([]notify.Mail, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := f.PageSize()
	var out []notify.Mail
	for _, m := range slices.Backward(s.mails) {
		if len(out) == limit {
			break
		}
		if m.ID != 0 && (f.State == "" || m.State == f.State) && (f.AuditID == 0 || m.AuditID == f.AuditID) {
			out = append(out, m)
		}
	}
	return out, nil
}

// MailCounts implements notify.Store.
func (s *Memory) MailCounts(context.Context) (notify.Counts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var c notify.Counts
	for _, m := range s.mails {
		switch m.State {
		case notify.StatePending:
			c.Pending++
		case notify.StateSending:
			c.Sending++
		case notify.StateSent:
			c.Sent++
		case notify.StateFailed:
			c.Failed++
		}
	}
	return c, nil
}

// PruneMails implements notify.Store. A pruned mail keeps its slot, empty,
// so ids stay positions.
func (s *Memory) PruneMails(_ context.Context, before time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for i, m := range s.mails {
		if (m.State == notify.StateSent || m.State == notify.StateFailed) && m.Ended.Before(before) {
			s.mails[i] = notify.Mail{}
			n++
		}
	}
	return n, nil
}
