package health

import (
	"errors"
	"testing"
)

func TestReason_unknownErrorSaysNothingMore(t *testing.T) {
	err := reason("token request", errors.New("dial tcp https://secret@host: boom"))
	if err.Error() != "OneLogin token request failed" {
		t.Errorf("reason %q", err)
	}
}
