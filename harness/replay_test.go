package harness

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"fastcheck/api"
)

// replays sends one signed create (amount 1, no idempotency key) to the
// first replica, then the very same bytes to every replica. The first must
// create a check; every replay must be refused, whichever replica it
// reaches: the nonce store is shared, or a captured request could move a
// user's money again.
func (s *system) replays(ctx context.Context, u *user, h *history) {
	body := []byte(`{"amount":1,"currency":"RUB"}`)
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+s.front.addr+"/api/fastcheck", nil)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", `{"sessionID": "`+u.c.Session()+`"}`)
	api.Sign(req, body, u.c.Key(), time.Now())
	hc := &http.Client{Timeout: 30 * time.Second}
	send := func(addr string) (int, string) {
		out := req.Clone(ctx)
		out.URL.Host = addr
		out.Host = s.front.addr
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		resp, err := hc.Do(out)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return resp.StatusCode, string(b)
	}
	if code, msg := send(s.reps[0].addr); code != http.StatusOK {
		h.violate("replay check: the original signed create was refused by %s: %d %s", s.reps[0].name, code, msg)
		return
	}
	for _, r := range s.reps {
		if code, msg := send(r.addr); code != http.StatusUnauthorized {
			h.violate("a replayed signed create reached %s and got %d %s, want 401 (the nonce store is not shared?)", r.name, code, msg)
		}
	}
}
