package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"fastcheck/api"
	"fastcheck/server/servertest"
)

// send is a signed request that reports network failure instead of
// failing the test, for load that runs into a killed server.
func send(c *servertest.Caller, method, path, body string, out any) (int, error) {
	req, err := http.NewRequest(method, c.Env.URL+path, bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", `{"sessionID": "`+c.SessionID+`"}`)
	api.Sign(req, []byte(body), ed25519.PrivateKey(c.Key), time.Now())
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(b, out); err != nil {
			return 0, err
		}
	}
	return resp.StatusCode, nil
}
