package client

import (
	"testing"
	"time"
)

func TestBackoffIsFullJitterUnderTheCap(t *testing.T) {
	b := defaultBackoff
	for attempt := 0; attempt < 40; attempt++ {
		ceiling := min(b.cap, b.base<<min(attempt, 15))
		var top time.Duration
		for i := 0; i < 200; i++ {
			d := b.delay(attempt)
			if d < 0 || d > ceiling {
				t.Fatalf("delay(%d) = %v, want within [0, %v]", attempt, d, ceiling)
			}
			top = max(top, d)
		}
		if top < ceiling/4 {
			t.Fatalf("delay(%d) never came near %v (max %v): not full jitter", attempt, ceiling, top)
		}
	}
}

func TestAuthorizationIsTheDocumentsText(t *testing.T) {
	if got := authorization("1AF3781BF6B94604B771AEA1D44FA63A"); got != `{"sessionID": "1AF3781BF6B94604B771AEA1D44FA63A"}` {
		t.Fatalf("Authorization = %s", got)
	}
	if got := authorization("a\"b\n"); got != `{"sessionID": "a\"b\n"}` {
		t.Fatalf("Authorization with odd characters = %s", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 19, 9, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"1.5":                           0,
		"99999999":                      24 * time.Hour,
		"Mon, 19 Jan 2026 09:00:30 GMT": 30 * time.Second,
		"Mon, 19 Jan 2026 08:00:00 GMT": 0,
		"soon":                          0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
