package audit

import (
	"errors"

	"onelogin-helpdesk/client"
)

// ResultOf turns the outcome of a OneLogin call into a Result for Complete.
// status is the HTTP status of a successful call (0 if unknown). Only
// OneLogin's own safe message is kept; other errors become a fixed sentence
// so internal detail never lands in the trail.
func ResultOf(status int, err error) Result {
	if err == nil {
		return Result{Outcome: OutcomeSucceeded, Status: status}
	}
	var rl *client.RateLimitError
	if errors.As(err, &rl) && rl.Err != nil {
		return Result{Outcome: OutcomeFailed, Status: rl.Err.HTTPStatus, Message: rl.Err.Message}
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		msg := ce.Message
		if ce.Attribute != "" {
			msg = ce.Attribute + ": " + msg
		}
		return Result{Outcome: OutcomeFailed, Status: ce.HTTPStatus, Message: msg}
	}
	var te *client.TransportError
	if errors.As(err, &te) {
		return Result{Outcome: OutcomeFailed, Message: "OneLogin could not be reached"}
	}
	return Result{Outcome: OutcomeFailed, Message: "internal error"}
}
