package bluesky

import "github.com/socialomm/desktop/core/network"

// The bounds the tests hold Classify to are the shared ones.
const (
	maxMessage    = network.MaxMessage
	maxRetryAfter = network.MaxRetryAfter
)
