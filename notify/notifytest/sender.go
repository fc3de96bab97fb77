package notifytest

import (
	"context"
	"sync"
	"time"

	"onelogin-helpdesk/notify"
)

// Attempt is one call of a Sender.
type Attempt struct {
	At      time.Time
	Message notify.Message
	Err     error
}

// Sender records every message it is given and answers with Fail's
// result (nil: sent).
type Sender struct {
	// Fail decides each attempt's error; nil sends everything.
	Fail func(m notify.Message) error

	mu       sync.Mutex
	attempts []Attempt
}

// Send implements notify.Sender.
func (s *Sender) Send(_ context.Context, m notify.Message) error {
	var err error
	if s.Fail != nil {
		err = s.Fail(m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts = append(s.attempts, Attempt{At: time.Now(), Message: m, Err: err})
	return err
}

// Attempts returns the attempts so far, oldest first.
func (s *Sender) Attempts() []Attempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Attempt(nil), s.attempts...)
}
