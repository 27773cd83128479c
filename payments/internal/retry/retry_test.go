package retry

import (
	"context"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	p := Policy{Base: 10 * time.Millisecond, Max: 80 * time.Millisecond}
	for n, ceil := range []time.Duration{10, 20, 40, 80, 80, 80} {
		ceil *= time.Millisecond
		for range 100 {
			if d := p.Delay(n); d < ceil/2 || d > ceil {
				t.Fatalf("attempt %d: %v outside [%v, %v]", n, d, ceil/2, ceil)
			}
		}
	}
	if d := (Policy{}).Defaults(); d.Attempts != 12 || d.Base != time.Second || d.Max != 5*time.Minute {
		t.Fatal(d)
	}
	if d := p.Delay(1000); d > 80*time.Millisecond {
		t.Fatal(d)
	}
}

func TestSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err == nil {
		t.Fatal("slept through a cancelled context")
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
