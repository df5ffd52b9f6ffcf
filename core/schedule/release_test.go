package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParseRelease(t *testing.T) {
	cases := []struct {
		mode, age string
		want      Release
		bad       bool
	}{
		{"now", "", Release{Mode: ReleaseNow}, false},
		{"keep", "", Release{Mode: ReleaseKeep}, false},
		{"skip-older-than", "3d", Release{Mode: ReleaseSkipOlder, OlderThan: 72 * time.Hour}, false},
		{"skip-older-than", "2h30m", Release{Mode: ReleaseSkipOlder, OlderThan: 150 * time.Minute}, false},
		{"skip-older-than", "", Release{}, true},
		{"skip-older-than", "-2h", Release{}, true},
		{"skip-older-than", "3 days", Release{}, true},
		{"skip-older-than", "1.5d", Release{}, true},
		{"keep", "3d", Release{}, true},
		{"later", "", Release{}, true},
	}
	for _, c := range cases {
		got, err := ParseRelease(c.mode, c.age)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseRelease(%q, %q) = %+v, %v", c.mode, c.age, got, err)
		}
	}
}

// TestRelease holds three posts of a2 (3 days, 5 hours and 10 minutes
// old) and one whose time is still ahead, then releases them each way.
func TestRelease(t *testing.T) {
	cases := []struct {
		name    string
		r       Release
		want    Released
		skipped []string
		sentNow []string // published on the next tick
	}{
		{"now", Release{Mode: ReleaseNow}, Released{Now: 4}, nil, []string{"3 days", "5 hours", "10 minutes", "ahead"}},
		{"keep", Release{Mode: ReleaseKeep}, Released{Now: 3, Kept: 1}, nil, []string{"3 days", "5 hours", "10 minutes"}},
		{"skip older than 1 day", Release{Mode: ReleaseSkipOlder, OlderThan: 24 * time.Hour}, Released{Now: 2, Kept: 1, Skipped: 1},
			[]string{"3 days"}, []string{"5 hours", "10 minutes"}},
		{"skip older than 1 hour", Release{Mode: ReleaseSkipOlder, OlderThan: time.Hour}, Released{Now: 1, Kept: 1, Skipped: 2},
			[]string{"3 days", "5 hours"}, []string{"10 minutes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			ids := holdFourPosts(e)
			held, err := e.s.Held(e.ctx, e.a2)
			if err != nil || len(held) != 4 {
				t.Fatalf("Held = %+v, %v", held, err)
			}
			e.accts.set(e.a2, false)
			got, err := e.s.Release(e.ctx, e.a2, c.r)
			if err != nil || got != c.want {
				t.Fatalf("Release = %+v, %v; want %+v", got, err, c.want)
			}
			for _, text := range c.skipped {
				tg := e.target(ids[text], e.a2)
				if tg.State != Skipped || tg.Describe() != "Skipped: it waited too long (held "+text+")" {
					t.Errorf("%s: %s %q", text, tg.State, tg.Describe())
				}
			}
			e.tick()
			var sent []string
			for _, call := range e.pub.Calls() {
				sent = append(sent, call.Text)
			}
			if strings.Join(sent, ",") != strings.Join(c.sentNow, ",") {
				t.Fatalf("sent now %v, want %v", sent, c.sentNow)
			}
			if c.r.Mode != ReleaseNow {
				e.clk.Set(t0.Add(80 * time.Hour))
				e.tick()
				calls := e.pub.Calls()
				if len(calls) != len(c.sentNow)+1 || calls[len(calls)-1].Text != "ahead" {
					t.Fatalf("at its time: %v", calls)
				}
			}
			e.clk.Set(t0.Add(90 * time.Hour))
			e.tick()
			if len(e.pub.Calls()) != 4-len(c.skipped) {
				t.Fatalf("published %d in all, want %d (skipped ones never)", len(e.pub.Calls()), 4-len(c.skipped))
			}
		})
	}
}

// TestReleaseTargetsAppliesEachPostsOwnChoice: the held-posts dialog's
// Apply decides every post by its own choice in one call, counted by
// account; a target no longer held is left alone.
func TestReleaseTargetsAppliesEachPostsOwnChoice(t *testing.T) {
	e := newEnv(t)
	ids := holdFourPosts(e)
	sent := e.schedule("already out", t0.Add(72*time.Hour), e.a1)
	e.tick()
	e.accts.set(e.a2, false)

	held, err := e.s.Held(e.ctx, e.a2)
	if err != nil || len(held) != 4 {
		t.Fatalf("Held = %+v, %v", held, err)
	}
	choice := map[string]Release{
		"3 days":     {Mode: ReleaseSkipOlder},
		"5 hours":    {Mode: ReleaseNow},
		"10 minutes": {Mode: ReleaseKeep}, // its time has passed: it goes now
		"ahead":      {Mode: ReleaseKeep},
	}
	choices := map[int64]Release{e.target(sent.ID, e.a1).ID: {Mode: ReleaseNow}}
	for _, h := range held {
		choices[h.TargetID] = choice[h.Text]
	}
	byAccount, err := e.s.ReleaseTargets(e.ctx, choices)
	if err != nil {
		t.Fatal(err)
	}
	if want := (map[int64]Released{e.a2: {Now: 2, Kept: 1, Skipped: 1}}); len(byAccount) != 1 || byAccount[e.a2] != want[e.a2] {
		t.Fatalf("ReleaseTargets = %+v, want %+v (the post already out is not counted)", byAccount, want)
	}
	if tg := e.target(ids["3 days"], e.a2); tg.State != Skipped {
		t.Errorf("3 days: %s", tg.State)
	}
	before := len(e.pub.Calls())
	e.tick()
	var got []string
	for _, call := range e.pub.Calls()[before:] {
		got = append(got, call.Text)
	}
	if strings.Join(got, ",") != "5 hours,10 minutes" {
		t.Fatalf("sent now %v, want 5 hours and 10 minutes", got)
	}
	if again, err := e.s.ReleaseTargets(e.ctx, choices); err != nil || len(again) != 0 {
		t.Fatalf("a second Apply changed %+v, %v; want nothing (none is held now)", again, err)
	}
}

// holdFourPosts holds four of a2's posts while it is disconnected: three
// that came due 3 days, 5 hours and 10 minutes before now (t0 + 72h + 1m)
// and one held as missed whose time is still ahead. a2 stays disconnected.
func holdFourPosts(e *env) map[string]int64 {
	e.accts.set(e.a2, true)
	ids := map[string]int64{}
	for _, p := range []struct {
		text string
		at   time.Duration
	}{{"3 days", 0}, {"5 hours", 67 * time.Hour}, {"10 minutes", 72*time.Hour - 10*time.Minute}} {
		e.clk.Set(t0)
		ids[p.text] = e.schedule(p.text, t0.Add(p.at+time.Minute), e.a2).ID
	}
	e.clk.Set(t0.Add(time.Minute))
	for _, at := range []time.Duration{67 * time.Hour, 72*time.Hour - 10*time.Minute} {
		e.tick()
		e.clk.Set(t0.Add(at + time.Minute))
	}
	e.tick()
	e.clk.Set(t0.Add(72*time.Hour + time.Minute))
	// A post held as missed whose time is still ahead cannot happen by
	// the clock alone: hold one by hand.
	ids["ahead"] = e.schedule("ahead", t0.Add(80*time.Hour), e.a2).ID
	e.exec(`UPDATE post_targets SET state = 'held', hold_reason = 'missed' WHERE post_id = ?`, ids["ahead"])
	return ids
}
