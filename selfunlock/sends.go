package selfunlock

import (
	"strconv"
	"time"

	"onelogin-helpdesk/limits"
)

// The allowance of pushes, texts and mails sent to one account, whoever
// asks and from wherever: so many that a person is not bombed with them.
const (
	MaxSends   = 3
	SendWindow = 15 * time.Minute
)

// Sends is the per-account allowance of pushes, texts and mails, counted
// in st so that replicas share it. The public page takes from it before
// each send; any other caller that makes OneLogin send something to a
// person (the helpdesk verifying a caller) takes from the same allowance
// with AccountKey, so together they stay within MaxSends per SendWindow.
func Sends(st limits.Store, now func() time.Time) limits.Limit {
	return limits.Limit{Store: st, Name: "mfa-sends", Max: MaxSends, Window: SendWindow, Now: now}
}

// AccountKey is the key of a OneLogin account in the per-account
// allowances.
func AccountKey(id int64) string { return "user:" + strconv.FormatInt(id, 10) }
