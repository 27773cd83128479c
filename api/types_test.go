package api

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
	"time"
)

func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Field names and casing follow the spec documents exactly (spec README §6).
func TestWireFieldNames(t *testing.T) {
	bal := int64(1)
	cases := []struct {
		v    any
		want []string
	}{
		{Websession{SessionID: "s", UserID: "u", Expires: "e", UserSessionID: "us", Status: true},
			[]string{"Status", "expires", "sessionId", "userId", "userSessionId"}},
		{CheckStatus{Fastcheck: "f", Expiration: "e"}, []string{"Status", "expiration", "fastcheck"}},
		{CreateCheckResponse{}, []string{"Status", "code", "expiration", "fastcheck"}},
		{CreateCheckRequest{}, []string{"amount", "currency"}},
		{AcceptCheckRequest{}, []string{"code", "fastcheck"}},
		{AcceptCheckResponse{Message: "ok", Balance: &bal}, []string{"balance", "message"}},
		{ActiveCheck{}, []string{"amount", "code", "createdAt", "currency", "expiration", "fastcheck", "status"}},
		{HistoryCheck{CreatedAt: "c", UsedAt: "u", AcceptedAt: "a"},
			[]string{"acceptedAt", "amount", "createdAt", "currency", "fastcheck", "status", "type", "usedAt"}},
		{Balance{}, []string{"balance", "currency"}},
		{Message{}, []string{"message"}},
		{ActiveChecks{}, []string{"checks"}},
		{HistoryChecks{}, []string{"checks"}},
	}
	for _, c := range cases {
		if got := jsonKeys(t, c.v); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%T keys = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestFormatParseTime(t *testing.T) {
	if FormatTime(time.Time{}) != "" {
		t.Error("zero time must format as empty")
	}
	msk := time.FixedZone("MSK", 3*3600)
	tm := time.Date(2026, 1, 19, 12, 8, 18, 999_000_000, msk)
	got := FormatTime(tm)
	if got != "2026-01-19T09:08:18Z" {
		t.Errorf("FormatTime = %q, want UTC, whole seconds", got)
	}
	back, err := ParseTime(got)
	if err != nil || !back.Equal(tm.Truncate(time.Second)) {
		t.Errorf("ParseTime(%q) = %v, %v", got, back, err)
	}
	for _, bad := range []string{"sessionId", "", "2021-07-07 09:08:18", "2021-07-07T09:08:18"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}
