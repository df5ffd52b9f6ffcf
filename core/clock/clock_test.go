package clock

import (
	"testing"
	"time"
)

func TestFakeFiresOnlyWhenDue(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewFake(start)
	ch := c.After(time.Hour)
	c.Advance(59 * time.Minute)
	select {
	case <-ch:
		t.Fatal("fired before it was due")
	default:
	}
	c.Advance(time.Minute)
	select {
	case got := <-ch:
		if !got.Equal(start.Add(time.Hour)) {
			t.Fatalf("fired with %v", got)
		}
	default:
		t.Fatal("did not fire when due")
	}
	if c.Waiters() != 0 {
		t.Fatalf("waiters = %d after firing", c.Waiters())
	}
}
