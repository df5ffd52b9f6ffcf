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
			started := time.Now()
			load()
			c.mu.Lock()
			if !c.again {
				c.running = false
				c.mu.Unlock()
				return
			}
			c.again = false
			c.mu.Unlock()
			if wait := c.gap - time.Since(started); wait > 0 {
				<-time.After(wait)
			}
		}
	})
}

// busy says whether a load is running or about to.
func (c *coalesce) busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}
