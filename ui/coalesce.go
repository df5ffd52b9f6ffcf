package ui

import (
	"sync"
	"time"
)

// coalesce runs a load at most once at a time: calls that come in while
// it runs cause one more run, not one each (publishing a burst of posts or
// the startup sweep says "changed" many times a second). Runs start at
// least gap apart. Every screen that reloads on engine changes uses one.
type coalesce struct {
	gap            time.Duration
	mu             sync.Mutex
	running, again bool
	// lastStart is when the last load started: a change that comes after
	// a load has finished waits out the gap too (the start-up sweep tells
	// views every 100 ms; a full reload of 5,000 profiles on each, while
	// the sweep ran, took a core from it).
	lastStart time.Time
	// after waits; time.After when nil (tests record the waits).
	after func(time.Duration) <-chan time.Time
}

func (c *coalesce) run(async func(func()), load func()) {
	c.mu.Lock()
	if c.running {
		c.again = true
		c.mu.Unlock()
		return
	}
	c.running = true
	c.mu.Unlock()
	async(func() {
		for {
			c.mu.Lock()
			wait := c.gap - time.Since(c.lastStart)
			c.mu.Unlock()
			if wait > 0 {
				<-c.wait(wait)
			}
			c.mu.Lock()
			c.lastStart = time.Now()
			c.mu.Unlock()
			load()
			c.mu.Lock()
			if !c.again {
				c.running = false
				c.mu.Unlock()
				return
			}
			c.again = false
			c.mu.Unlock()
		}
	})
}

func (c *coalesce) wait(d time.Duration) <-chan time.Time {
	if c.after != nil {
		return c.after(d)
	}
	return time.After(d)
}

// busy says whether a load is running or about to.
func (c *coalesce) busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}
