package clean

import (
	"encoding/json"
	"os"
	"testing"
)

func readStats(t *testing.T, path string) *Stats {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s Stats
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func TestSummaryOrdersRulesByCount(t *testing.T) {
	s := newStats()
	s.Read, s.Wrote = 10, 5
	for _, r := range []string{"b", "a", "a", "c", "a"} {
		s.reject(r, false)
	}
	s.PII["phone"], s.PII["email"] = 2, 1
	want := "read 10 rows, wrote 5, rejected 5 (a 3, b 1, c 1); redacted 3 PII (email 1, phone 2)"
	if got := s.Summary(false); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
