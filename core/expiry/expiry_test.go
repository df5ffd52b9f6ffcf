package expiry

import (
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	now := time.Date(2027, 2, 9, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	cases := []struct {
		exp  *time.Time
		want string
	}{
		{nil, "Never expires"},
		{at(90*day - time.Second), "Expires in 90 days"},
		{at(23*day + 5*time.Hour), "Expires in 23 days"},
		{at(23*day + 13*time.Hour), "Expires in 24 days"},
		{at(2 * day), "Expires in 2 days"},
		{at(2*day - time.Second), "Expires in 48 hours"},
		{at(5*time.Hour + 29*time.Minute), "Expires in 5 hours"},
		{at(90 * time.Minute), "Expires in 90 minutes"},
		{at(time.Minute), "Expires in 1 minute"},
		{at(30 * time.Second), "Expires in less than a minute"},
		{at(0), "Expired just now"},
		{at(-3 * time.Minute), "Expired 3 minutes ago"},
		{at(-1 * time.Hour), "Expired 60 minutes ago"},
		{at(-2*day - 13*time.Hour), "Expired 3 days ago"},
		{at(-3 * time.Hour), "Expired 3 hours ago"},
		{at(-2*day - time.Hour), "Expired 2 days ago"},
	}
	for _, c := range cases {
		if got := Describe(now, c.exp); got != c.want {
			t.Errorf("Describe(%v) = %q, want %q", c.exp, got, c.want)
		}
	}
}

// TestNextChangeLandsOnTheNextDifferentText walks time forward by NextChange
// and checks the words changed at each step and never in between.
func TestNextChangeLandsOnTheNextDifferentText(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	exp := now.Add(3*day + 7*time.Minute + 13*time.Second)
	steps := 0
	for now.Before(exp.Add(3 * day)) {
		before := Describe(now, &exp)
		step := NextChange(now, &exp)
		if step <= 0 {
			t.Fatalf("no next change at %v", now)
		}
		if step > time.Nanosecond*2 {
			if mid := Describe(now.Add(step-time.Nanosecond*2), &exp); mid != before {
				t.Fatalf("at %v words changed early: %q -> %q (step %v)", now, before, mid, step)
			}
		}
		now = now.Add(step)
		if after := Describe(now, &exp); after == before {
			t.Fatalf("at %v words did not change after step %v: %q", now, step, before)
		}
		steps++
	}
	// Days and hours count down (2+47+...), minutes near the end: a bounded,
	// small number of redraws rather than one a second.
	if steps > 400 {
		t.Fatalf("%d redraws over 6 days", steps)
	}
	if _, ok := Earliest(now, []*time.Time{nil, nil}); ok {
		t.Fatal("never-expiring list reported a change")
	}
}
