package weights

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func f(x float64) *float64 { return &x }
func b(x int64) *int64     { return &x }

func miner(uid int, loss *float64, block int64) Miner {
	return Miner{UID: uid, Hotkey: fmt.Sprintf("hk%d", uid), Coldkey: fmt.Sprintf("ck%d", uid), Block: b(block), CompetitionID: "c1", EvalLoss: loss}
}

func byUID(ds []Decision) map[int]Decision {
	m := map[int]Decision{}
	for _, d := range ds {
		m[d.UID] = d
	}
	return m
}

func TestNormalizedReasons(t *testing.T) {
	ms := []Miner{
		miner(0, f(2.5), 100),
		miner(1, f(2.5000001), 90), // duplicate of 0 by loss, committed earlier: 1 keeps
		miner(2, f(2.9), 50),       // above maxb
		miner(3, nil, 10),          // scoring failed
		miner(4, f(2.45), 10),
		miner(5, f(2.7999999), 10), // score below the minimum weight
	}
	ms[3].Reason = "download failed"
	ms[4].CompetitionID = "other"
	ds, err := Compute(Input{Competition: ref(), Miners: ms, Metagraph: []Neuron{
		{UID: 0, Hotkey: "hk0"}, {UID: 1, Hotkey: "hk1"}, {UID: 2, Hotkey: "hk2"}, {UID: 3, Hotkey: "hk3"},
		{UID: 4, Hotkey: "hk4"}, {UID: 5, Hotkey: "hk5"}, {UID: 6, Hotkey: "hk6"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := byUID(ds)
	want := map[int]string{0: ReasonDuplicate, 1: ReasonScored, 2: ReasonLossAboveMax, 3: ReasonScoringFailed,
		4: ReasonCompetitionMismatch, 5: ReasonBelowMinWeight, 6: ReasonNoCommitment}
	for uid, r := range want {
		if got[uid].Reason != r {
			t.Errorf("uid %d: reason %q (%s), want %q", uid, got[uid].Reason, got[uid].Detail, r)
		}
	}
	if d := got[0]; d.DuplicateOf == nil || *d.DuplicateOf != 1 || d.Weight != 0 {
		t.Errorf("uid 0: %+v, want duplicate_of 1 with no weight", d)
	}
	if got[1].Weight != 1 || got[1].WeightU16 != 65535 {
		t.Errorf("uid 1 should hold all weight: %+v", got[1])
	}
	if got[3].Detail != "download failed" {
		t.Errorf("uid 3 detail %q", got[3].Detail)
	}
}

func TestDuplicateTieBreaks(t *testing.T) {
	// Same block: the timestamp decides, then the uid.
	ms := []Miner{miner(7, f(2.5), 10), miner(3, f(2.5), 10), miner(5, f(2.5), 10)}
	ms[0].Timestamp = f(1)
	ms[1].Timestamp = f(2)
	ds, err := Compute(Input{Competition: ref(), Miners: ms})
	if err != nil {
		t.Fatal(err)
	}
	got := byUID(ds)
	if got[7].Reason != ReasonScored || *got[3].DuplicateOf != 7 || *got[5].DuplicateOf != 7 {
		t.Errorf("want 7 kept (earliest timestamp): %+v", ds)
	}
	// Chains: 2.5, 2.500008, 2.500016 are one group (single linkage).
	ms = []Miner{miner(1, f(2.500016), 1), miner(2, f(2.500008), 2), miner(3, f(2.5), 3)}
	ds, _ = Compute(Input{Competition: ref(), Miners: ms})
	got = byUID(ds)
	if got[1].Reason != ReasonScored || got[2].Reason != ReasonDuplicate || got[3].Reason != ReasonDuplicate {
		t.Errorf("chain not grouped: %+v", ds)
	}
}

func TestOverlapDuplicates(t *testing.T) {
	ms := []Miner{miner(1, f(2.45), 20), miner(2, f(2.55), 10), miner(3, f(2.5), 5)}
	ms[0].Dataset, ms[1].Dataset, ms[2].Dataset = "a.jsonl", "b.jsonl", "c.jsonl"
	ov := []Overlap{{A: "a.jsonl", B: "b.jsonl", Shared: 34}, {A: "b.jsonl", B: "c.jsonl", Shared: 33}}
	ds, err := Compute(Input{Competition: ref(), Miners: ms, Overlaps: ov})
	if err != nil {
		t.Fatal(err)
	}
	got := byUID(ds)
	if got[1].Reason != ReasonDuplicate || *got[1].DuplicateOf != 2 {
		t.Errorf("uid 1 shares 34 rows with uid 2 (earlier): %+v", got[1])
	}
	if got[3].Reason != ReasonScored {
		t.Errorf("33 shared rows is not above the limit: %+v", got[3])
	}
}

func TestHotkeyChangedNormalized(t *testing.T) {
	ms := []Miner{miner(1, f(2.45), 20), miner(2, f(2.5), 10)}
	ds, _ := Compute(Input{Competition: ref(), Miners: ms, Metagraph: []Neuron{{UID: 1, Hotkey: "new"}, {UID: 2, Hotkey: "hk2"}}})
	got := byUID(ds)
	if got[1].Reason != ReasonHotkeyChanged || got[1].Weight != 0 || got[1].Hotkey != "new" {
		t.Errorf("uid 1: %+v", got[1])
	}
	if got[2].Weight != 1 {
		t.Errorf("uid 2: %+v", got[2])
	}
}

func metagraph(n int) []Neuron {
	var ns []Neuron
	for i := range n {
		ns = append(ns, Neuron{UID: i, Hotkey: fmt.Sprintf("hk%d", i), Coldkey: fmt.Sprintf("ck%d", i)})
	}
	return ns
}

func TestWinner(t *testing.T) {
	win := func(ds []Decision) int {
		for _, d := range ds {
			if d.Weight == 1 {
				return d.UID
			}
		}
		return -1
	}
	// 40 registered: the best 2 losses are eligible; the earlier of them wins.
	ms := []Miner{miner(1, f(2.40), 50), miner(2, f(2.41), 40), miner(3, f(2.42), 1)}
	c := ref()
	ds, err := Compute(Input{Competition: c, Policy: Winner, Miners: ms, Metagraph: metagraph(40)})
	if err != nil {
		t.Fatal(err)
	}
	got := byUID(ds)
	if win(ds) != 2 || got[1].Reason != ReasonEligible || got[3].Reason != ReasonNotEligible || got[2].Reason != ReasonWinner {
		t.Errorf("want uid 2 (earliest of the best 2): %+v", ds)
	}
	// 10 registered: max(1, 5%) = 1 eligible, the best loss wins regardless of block.
	ds, _ = Compute(Input{Competition: c, Policy: Winner, Miners: ms, Metagraph: metagraph(10)})
	if win(ds) != 1 {
		t.Errorf("want uid 1 with one eligible: %+v", ds)
	}
	// The winner's hotkey moved to uid 9: follow it.
	mg := metagraph(40)
	mg[2].Hotkey, mg[9].Hotkey = "someone", "hk2"
	ds, _ = Compute(Input{Competition: c, Policy: Winner, Miners: ms, Metagraph: mg})
	if win(ds) != 9 || byUID(ds)[2].Reason != ReasonHotkeyChanged {
		t.Errorf("want weight followed to uid 9: %+v", ds)
	}
	// The hotkey is gone but its coldkey scored at uid 3 (still registered): follow the coldkey.
	mg = metagraph(40)
	mg[2].Hotkey = "someone"
	ms2 := append([]Miner(nil), ms...)
	ms2[2].Coldkey = "ck2"
	ds, _ = Compute(Input{Competition: c, Policy: Winner, Miners: ms2, Metagraph: mg})
	if win(ds) != 3 {
		t.Errorf("want weight followed by coldkey to uid 3: %+v", ds)
	}
	// Neither: fall back to the next eligible (uid 1).
	ds, _ = Compute(Input{Competition: c, Policy: Winner, Miners: ms, Metagraph: mg})
	if win(ds) != 1 {
		t.Errorf("want fallback to uid 1: %+v", ds)
	}
	// Nobody scored: burn uid from the metagraph owner, or --burn-uid.
	none := []Miner{miner(1, nil, 5)}
	mg = metagraph(10)
	mg[0].Owner = true
	ds, err = Compute(Input{Competition: c, Policy: Winner, Miners: none, Metagraph: mg})
	if err != nil || win(ds) != 0 || byUID(ds)[0].Reason != ReasonBurn {
		t.Errorf("want burn to owner uid 0: %v %+v", err, ds)
	}
	burn := 4
	ds, _ = Compute(Input{Competition: c, Policy: Winner, Miners: none, Metagraph: metagraph(10), BurnUID: &burn})
	if win(ds) != 4 {
		t.Errorf("want burn to uid 4: %+v", ds)
	}
	if _, err := Compute(Input{Competition: c, Policy: Winner, Miners: none, Metagraph: metagraph(10)}); err == nil {
		t.Error("no burn uid should be an error")
	}
	// Duplicates are not eligible: uid 5 copies uid 6's loss but committed later.
	ms = []Miner{miner(5, f(2.3), 20), miner(6, f(2.3), 10), miner(7, f(2.35), 1)}
	ds, _ = Compute(Input{Competition: c, Policy: Winner, Miners: ms, Metagraph: metagraph(40)})
	if win(ds) != 7 || byUID(ds)[5].Reason != ReasonDuplicate {
		t.Errorf("want uid 7 (eligible: 6 and 7; 7 committed first): %+v", ds)
	}
}

// Properties over random rounds: weights are non-negative and sum to 1 (or
// are all zero), do not depend on input order, and the u16 vector survives
// a round trip through normalized floats.
func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 300 {
		n := 1 + rng.IntN(60)
		mg := metagraph(n)
		var ms []Miner
		for uid := range n {
			if rng.IntN(5) == 0 {
				continue
			}
			var loss *float64
			if rng.IntN(8) != 0 {
				loss = f(2.3 + rng.Float64()*0.6)
				if rng.IntN(6) == 0 && len(ms) > 0 && ms[0].EvalLoss != nil {
					loss = f(*ms[0].EvalLoss) // exact duplicate
				}
			}
			m := miner(uid, loss, int64(rng.IntN(1000)))
			if rng.IntN(10) == 0 {
				m.CompetitionID = "other"
			}
			if rng.IntN(12) == 0 {
				mg[uid].Hotkey = "replaced"
			}
			ms = append(ms, m)
		}
		for _, pol := range []Policy{Normalized, Winner} {
			burn := 0
			in := Input{Competition: ref(), Policy: pol, Miners: ms, Metagraph: mg, BurnUID: &burn}
			ds, err := Compute(in)
			if err != nil {
				t.Fatalf("iter %d %s: %v", iter, pol, err)
			}
			sum := 0.0
			for _, d := range ds {
				if d.Weight < 0 || math.IsNaN(d.Weight) {
					t.Fatalf("iter %d: negative weight %+v", iter, d)
				}
				sum += d.Weight
			}
			if sum != 0 && math.Abs(sum-1) > 1e-9 {
				t.Fatalf("iter %d %s: weights sum to %v", iter, pol, sum)
			}
			// Shuffled input gives the same decisions.
			in2 := in
			in2.Miners = append([]Miner(nil), ms...)
			in2.Metagraph = append([]Neuron(nil), mg...)
			rng.Shuffle(len(in2.Miners), func(i, j int) { in2.Miners[i], in2.Miners[j] = in2.Miners[j], in2.Miners[i] })
			rng.Shuffle(len(in2.Metagraph), func(i, j int) { in2.Metagraph[i], in2.Metagraph[j] = in2.Metagraph[j], in2.Metagraph[i] })
			ds2, err := Compute(in2)
			if err != nil || !reflect.DeepEqual(ds, ds2) {
				t.Fatalf("iter %d %s: result depends on input order", iter, pol)
			}
			// u16 round trip.
			u := make([]uint16, len(ds))
			back := make([]float64, len(ds))
			tot := 0.0
			for i, d := range ds {
				u[i] = d.WeightU16
				tot += float64(d.WeightU16)
			}
			if tot == 0 {
				continue
			}
			for i := range u {
				back[i] = float64(u[i]) / tot
			}
			u2, err := ToU16(back)
			if err != nil || !reflect.DeepEqual(u, u2) {
				t.Fatalf("iter %d %s: u16 %v round-trips to %v", iter, pol, u, u2)
			}
		}
	}
}
