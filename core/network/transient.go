package network

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Transient errors every adapter builds the same way. Each adapter passes
// its own sentinel (its ErrMalformedResponse, its ErrOutcomeUnknown), so
// errors.Is tells the networks apart as before.

// Malformed is the transient error for a success answer whose what ("the
// post it created") could not be read: captive portals and broken proxies
// answer 200 with HTML. name names the network or server in the words; the
// error Is sentinel.
func Malformed(name, what string, sentinel error) error {
	return &TransientError{
		Message: fmt.Sprintf("%s answered, but %s could not be read", name, what),
		Err:     sentinel,
	}
}

// NotJSON is nil when a success body is empty or JSON, and else
// Malformed(name, "its answer (it is not JSON)", sentinel).
func NotJSON(name string, body []byte, sentinel error) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || json.Valid(trimmed) {
		return nil
	}
	return Malformed(name, "its answer (it is not JSON)", sentinel)
}

// OutcomeUnknown turns err, met after a post was sent, into a transient
// error that also Is sentinel (the adapter's ErrOutcomeUnknown): the post
// may or may not have been published. A transient err keeps its wait; the
// account is fine either way.
func OutcomeUnknown(err, sentinel error) error {
	var t *TransientError
	if errors.As(err, &t) {
		return &TransientError{
			Message:    t.Message + "; the post may or may not have been published",
			RetryAfter: t.RetryAfter,
			Err:        errors.Join(sentinel, t.Err),
		}
	}
	return &TransientError{
		Message: err.Error() + "; the post may or may not have been published",
		Err:     errors.Join(sentinel, err),
	}
}
