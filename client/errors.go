package client

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors for errors.Is. An *Error matches the one for its HTTP status;
// a transport failure or a 5xx matches ErrUnavailable.
var (
	ErrBadRequest   = errors.New("onelogin: bad request")
	ErrUnauthorized = errors.New("onelogin: unauthorized")
	ErrForbidden    = errors.New("onelogin: forbidden")
	ErrNotFound     = errors.New("onelogin: not found")
	ErrRateLimited  = errors.New("onelogin: rate limited")
	ErrUnavailable  = errors.New("onelogin: unavailable")
	// ErrRefused: OneLogin said it would not do what was asked (for
	// instance "User cannot be unlocked"), whatever the HTTP status.
	ErrRefused = errors.New("onelogin: refused")
	// ErrUnrecognized: a success status whose body the client cannot read
	// as the documented success (a 2xx verify that is not "success", an
	// unlock reply without "User unlocked"). It fails closed.
	ErrUnrecognized = errors.New("onelogin: unrecognised answer")
)

// Error is an error answer from OneLogin. Message is OneLogin's own sentence
// (status.message, or its description when message is an object) and is safe
// to show to staff; it never contains credentials.
type Error struct {
	Op         string // the client operation, e.g. "GetUser"
	HTTPStatus int
	Type       string // status.type, e.g. "bad request"
	Message    string
	Attribute  string // status.message.attribute when message is an object
	// Reason is a sentinel the answer means beyond its HTTP status
	// (ErrRefused, ErrUnrecognized, ErrNotFound); errors.Is matches it.
	Reason error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Attribute != "" {
		msg = e.Attribute + ": " + msg
	}
	return fmt.Sprintf("onelogin %s: %d %s", e.Op, e.HTTPStatus, msg)
}

// Is matches the sentinel for the HTTP status.
func (e *Error) Is(target error) bool {
	if e.Reason != nil && target == e.Reason {
		return true
	}
	switch target {
	case ErrBadRequest:
		return e.HTTPStatus == 400
	case ErrUnauthorized:
		return e.HTTPStatus == 401
	case ErrForbidden:
		return e.HTTPStatus == 403
	case ErrNotFound:
		return e.HTTPStatus == 404
	case ErrRateLimited:
		return e.HTTPStatus == 429
	case ErrUnavailable:
		return e.HTTPStatus >= 500
	}
	return false
}

// RateLimitError is returned when OneLogin answers 429 and the request was not
// (or could no longer be) retried. Hourly is true for the v1 hourly quota,
// and RetryAfter is then when it resets (X-RateLimit-Reset). A v2 call has
// no such quota (directory-mfa reference A1.7): Hourly is false and
// RetryAfter is the answer's own Retry-After, or the client's backoff,
// never the v1 reset.
type RateLimitError struct {
	Err        *Error
	RetryAfter time.Duration
	Hourly     bool
}

func (e *RateLimitError) Error() string {
	if !e.Hourly {
		return fmt.Sprintf("%v (throttled; try again in %s)", e.Err, e.RetryAfter.Round(time.Second))
	}
	return fmt.Sprintf("%v (quota resets in %s)", e.Err, e.RetryAfter.Round(time.Second))
}

func (e *RateLimitError) Unwrap() error { return e.Err }

// TransportError is a failure to reach OneLogin or to read its answer.
type TransportError struct {
	Op  string
	Err error // never carries the Authorization header or the body
}

func (e *TransportError) Error() string { return fmt.Sprintf("onelogin %s: %v", e.Op, e.Err) }
func (e *TransportError) Unwrap() error { return e.Err }

// Is makes a transport failure match ErrUnavailable.
func (e *TransportError) Is(target error) bool { return target == ErrUnavailable }
