package sqlite_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// migrationFiles counts the migration files in migrations/ and returns the
// highest version among them (versions may have gaps).
func migrationFiles(t *testing.T) (n, newest int) {
	t.Helper()
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	for _, f := range files {
		num, _, _ := strings.Cut(filepath.Base(f), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		newest = max(newest, v)
	}
	return len(files), newest
}
