package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/ledger"
	"fastcheck/ledger/ledgertest"
	"fastcheck/ledger/sqlite"
)

const crashEnv = "FASTCHECK_LEDGER_CRASH_DB"

// TestCrashKill9 is the guide's crash test: a child process runs a write
// workload and prints an ACK line after each acknowledged operation; the
// parent kills it with SIGKILL mid-flight, reopens the file and checks that
// every acknowledged operation is there and every invariant holds.
func TestCrashKill9(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("running as the crash child")
	}
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, now := context.Background(), ledgertest.Start
	for i := 0; i < crashWorkers; i++ {
		for _, u := range []string{crashUser("c", i), crashUser("r", i)} {
			if _, err := s.OpenAccount(ctx, u, "RUB", now); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Three rounds on the same file: each kill lands at another moment.
	for round := 0; round < 3; round++ {
		acks := crashRound(t, path, round)
		s, err = sqlite.Open(path)
		if err != nil {
			t.Fatalf("reopen after kill -9: %v", err)
		}
		verifyAcks(t, s, acks)
		ledgertest.RequireAudit(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// crashRound runs the child until it has acknowledged some operations,
// kills it with SIGKILL, and returns every complete ACK line it printed.
func crashRound(t *testing.T, path string, round int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, fmt.Sprintf("%s_ROUND=%d", crashEnv, round))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	var acks []string
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	deadline := time.After(5 * time.Second)
	started := false
read:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the child ended before it was killed, after %d acks", len(acks))
			}
			if strings.HasPrefix(l, "ACK ") {
				acks = append(acks, l)
				if !started && len(acks) >= 30 {
					started = true // let it run on so the kill lands mid-batch
					deadline = time.After(time.Duration(50+round*40) * time.Millisecond)
				}
			}
		case <-deadline:
			break read
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed = true
	cmd.Wait()
	for l := range lines { // complete lines written before the kill count too
		if strings.HasPrefix(l, "ACK ") {
			acks = append(acks, l)
		}
	}
	if len(acks) < 10 {
		t.Fatalf("only %d operations were acknowledged before the kill", len(acks))
	}
	return acks
}

// verifyAcks checks that every acknowledged operation is in the database.
func verifyAcks(t *testing.T, s *sqlite.Store, acks []string) {
	t.Helper()
	ctx := context.Background()
	counts := map[string]int{}
	for _, l := range acks {
		f := strings.Fields(l)
		counts[f[1]]++
		switch f[1] {
		case "deposit": // ACK deposit user ref amount
			amount, _ := strconv.ParseInt(f[4], 10, 64)
			r, err := s.Deposit(ctx, ledger.Deposit{UserID: f[2], Ref: f[3], Amount: amount, Currency: "RUB",
				Source: ledger.ExternalBankIn, Now: ledgertest.Start})
			if err != nil || !r.Replayed {
				t.Fatalf("acknowledged %q lost after kill -9: %+v %v", l, r, err)
			}
		case "create": // ACK create number
			if _, err := s.Check(ctx, f[2]); err != nil {
				t.Fatalf("acknowledged %q lost after kill -9: %v", l, err)
			}
		case "accept": // ACK accept number redeemer
			c, err := s.Check(ctx, f[2])
			if err != nil || c.Status != ledger.StatusUsed || c.Redeemer != f[3] {
				t.Fatalf("acknowledged %q lost after kill -9: %+v %v", l, c, err)
			}
		default:
			t.Fatalf("bad ACK line %q", l)
		}
	}
	t.Logf("%d acknowledged operations survived kill -9: %v", len(acks), counts)
}

const crashWorkers = 6

func crashUser(role string, i int) string { return fmt.Sprintf("%s%d", role, i) }

// TestCrashChild is the child of TestCrashKill9; it runs until killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestCrashKill9")
	}
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ack := func(format string, args ...any) {
		mu.Lock() // one write(2) per line, lines never interleave
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, "ACK "+format+"\n", args...)
	}
	ctx, now := context.Background(), ledgertest.Start
	var wg sync.WaitGroup
	for w := 0; w < crashWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			creator, redeemer := crashUser("c", w), crashUser("r", w)
			for i := 0; ; i++ {
				ref := fmt.Sprintf("crash:%s:%d:%d", os.Getenv(crashEnv+"_ROUND"), w, i)
				if _, err := s.Deposit(ctx, ledger.Deposit{UserID: creator, Amount: 1000, Currency: "RUB",
					Source: ledger.ExternalBankIn, Ref: ref, Now: now}); err != nil {
					t.Error(err)
					return
				}
				ack("deposit %s %s %d", creator, ref, 1000)
				r, err := s.CreateCheck(ctx, ledger.CreateCheck{UserID: creator, Amount: 700, Currency: "RUB",
					Now: now, ExpiresAt: now.Add(time.Hour)})
				if err != nil {
					t.Error(err)
					return
				}
				ack("create %s", r.Check.Number)
				if i%2 == 0 {
					if _, err := s.AcceptCheck(ctx, ledger.AcceptCheck{UserID: redeemer, Number: r.Check.Number,
						Code: r.Check.Code, Now: now}); err != nil {
						t.Error(err)
						return
					}
					ack("accept %s %s", r.Check.Number, redeemer)
				}
			}
		}()
	}
	wg.Wait()
}
