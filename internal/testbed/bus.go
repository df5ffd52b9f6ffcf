package testbed

import (
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// waitNameFree waits until nobody owns the well-known name on the session
// bus: a service from the previous test may still be leaving it, and a new
// one started meanwhile would fail to take the name.
func waitNameFree(t testing.TB, name string, timeout time.Duration) {
	t.Helper()
	RequireSessionBus(t)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("testbed: connecting to the session bus: %v", err)
	}
	defer conn.Close()
	waitFor(t, name+" to have no owner on the session bus (is a service from another test, or one the bus activated, still running?)", timeout, nil, func() (bool, string) {
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err != nil {
			return false, err.Error()
		}
		return !has, ""
	})
}
