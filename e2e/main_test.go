// Package e2e holds the integration tests: they run the real app binary and
// real services (gnome-keyring, Xvfb, dunst, Mailpit, GoToSocial) started by
// internal/testbed. Run them with scripts/test-integration.sh (`make test`),
// which provides the session bus they need.
package e2e

import (
	"testing"

	"github.com/socialomm/desktop/internal/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }
