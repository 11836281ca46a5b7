package pipeline

import (
	"context"
	"errors"
	"testing"
)

func TestOrderedKeepsOrder(t *testing.T) {
	for _, threads := range []int{1, 2, 7} {
		i := 0
		var got []int
		err := Ordered(context.Background(), threads,
			func() (int, bool, error) { i++; return i, i <= 1000, nil },
			func(x int) (int, error) { return x * x, nil },
			func(y int) error { got = append(got, y); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1000 {
			t.Fatalf("threads %d: got %d results", threads, len(got))
		}
		for k, y := range got {
			if y != (k+1)*(k+1) {
				t.Fatalf("threads %d: result %d = %d out of order", threads, k, y)
			}
		}
	}
}

func TestOrderedStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	i := 0
	err := Ordered(context.Background(), 4,
		func() (int, bool, error) { i++; return i, true, nil }, // endless input
		func(x int) (int, error) {
			if x == 50 {
				return 0, boom
			}
			return x, nil
		},
		func(int) error { return nil })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}
