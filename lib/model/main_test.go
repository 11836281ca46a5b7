package model

import (
	"os"
	"testing"
)

// TestMain makes the loss head work in chunks of 16 positions, so every test
// with more label positions than that exercises the chunking.
func TestMain(m *testing.M) {
	maxLogitRows = 16
	os.Exit(m.Run())
}
