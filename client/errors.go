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
// (or could no longer be) retried. RetryAfter is when the quota resets.
type RateLimitError struct {
	Err        *Error
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
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
