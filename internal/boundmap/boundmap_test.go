package boundmap

import (
	"strconv"
	"sync"
	"testing"
)

func TestBoundAndGeneration(t *testing.T) {
	var c Map[int]
	for i := range Max + 10 {
		c.Put(strconv.Itoa(i), i)
	}
	if n := len(c.m); n > Max {
		t.Fatalf("%d entries, want at most %d", n, Max)
	}
	if v, ok := c.Get(strconv.Itoa(Max + 9)); !ok || v != Max+9 {
		t.Fatalf("the newest entry: %d, %v", v, ok)
	}
	gen := c.Generation()
	c.Forget("x")
	if c.PutIfUnchanged(gen, "x", 1) {
		t.Fatal("kept a value read before a Forget")
	}
	if !c.PutIfUnchanged(c.Generation(), "x", 2) {
		t.Fatal("refused a value read after the last Forget")
	}
	c.ForgetAll()
	if _, ok := c.Get("x"); ok {
		t.Fatal("ForgetAll left an entry")
	}
}

func TestConcurrentUse(t *testing.T) {
	var c Map[int]
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				k := strconv.Itoa(i % 50)
				c.PutIfUnchanged(c.Generation(), k, g)
				c.Get(k)
				if i%97 == 0 {
					c.Forget(k)
				}
			}
		})
	}
	wg.Wait()
}
