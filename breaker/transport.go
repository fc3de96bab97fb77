package breaker

import (
	"context"
	"net/http"
)

// Transport returns an http.RoundTripper that sends requests through next
// (http.DefaultTransport when nil) while the breaker allows, and refuses
// them with an *OpenError otherwise. While a half-open trial is deciding,
// requests wait for it rather than fail.
//
// A transport error or a 5xx answer is a failure; a deadline that ran out
// is a failure too (the upstream did not answer in time). A request whose
// context was cancelled, not timed out, is ignored: its caller went away,
// which says nothing about the upstream.
func (b *Breaker) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{b: b, next: next}
}

type transport struct {
	b    *Breaker
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	done, err := t.b.AllowWait(req.Context())
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // RoundTrip must close the body, even on errors
		}
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	switch {
	case err != nil && req.Context().Err() == context.Canceled:
		done(Ignore)
	case err != nil, resp.StatusCode >= 500:
		done(Failure)
	default:
		done(Success)
	}
	return resp, err
}
