// Package boundmap is a small in-memory map for caches that must not grow
// without bound: safe for concurrent use, at most Max entries (it starts
// again empty when full), and a generation that every Forget moves on, so
// a reader can refuse to keep a value it read before a change.
package boundmap

import "sync"

// Max is how many entries a Map holds before it starts again empty.
const Max = 1 << 16

// Map maps strings to V. The zero value is ready to use.
type Map[V any] struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]V
}

// Get returns the value kept for k.
func (c *Map[V]) Get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

// Generation is the count of Forgets so far; take it before reading what
// PutIfUnchanged will keep.
func (c *Map[V]) Generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Put keeps v for k.
func (c *Map[V]) Put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.put(k, v)
}

// PutIfUnchanged keeps v for k only if nothing was forgotten since gen
// was taken, and reports whether it did.
func (c *Map[V]) PutIfUnchanged(gen uint64, k string, v V) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return false
	}
	c.put(k, v)
	return true
}

func (c *Map[V]) put(k string, v V) {
	if c.m == nil || len(c.m) >= Max {
		c.m = make(map[string]V)
	}
	c.m[k] = v
}

// Forget drops k and moves the generation on.
func (c *Map[V]) Forget(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, k)
}

// ForgetAll drops every entry and moves the generation on.
func (c *Map[V]) ForgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}
