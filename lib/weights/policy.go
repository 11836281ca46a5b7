package weights

import (
	"fmt"
	"math"
	"sort"
)

// Policy selects how scores become weights.
type Policy string

const (
	// Normalized is the reference subnet's 2025 rule: the score curve, duplicates zeroed.
	Normalized Policy = "normalized"
	// Winner is the 2026 rule: the earliest commitment among the best losses takes all.
	Winner Policy = "winner"
)

// Reasons a uid got the weight it got.
const (
	ReasonScored              = "scored"
	ReasonWinner              = "winner"
	ReasonEligible            = "eligible"     // winner policy: among the best, committed later
	ReasonNotEligible         = "not_eligible" // winner policy: loss not among the best
	ReasonDuplicate           = "duplicate_of"
	ReasonLossAboveMax        = "loss_above_max"
	ReasonBelowMinWeight      = "below_min_weight"
	ReasonCompetitionMismatch = "competition_mismatch"
	ReasonHotkeyChanged       = "hotkey_changed"
	ReasonNoCommitment        = "no_commitment"
	ReasonScoringFailed       = "scoring_failed"
	ReasonBurn                = "burn"
	ReasonNone                = "no_weight" // nobody scored: nothing to emit
)

// Decision is one output line: the weight of a uid and why.
type Decision struct {
	UID         int      `json:"uid"`
	Hotkey      string   `json:"hotkey"`
	Weight      float64  `json:"weight"`
	WeightU16   uint16   `json:"weight_u16"`
	Score       float64  `json:"score"`
	Rank        *int     `json:"rank"`
	Reason      string   `json:"reason"`
	DuplicateOf *int     `json:"duplicate_of,omitempty"`
	Detail      string   `json:"detail,omitempty"`
	EvalLoss    *float64 `json:"eval_loss"`
	Block       *int64   `json:"block,omitempty"`
}

// Input is everything a round's decision depends on.
type Input struct {
	Competition Competition
	Policy      Policy
	Miners      []Miner
	Metagraph   []Neuron // nil: the uids of Miners, with their own hotkeys
	Overlaps    []Overlap
	BurnUID     *int
}

// Compute applies the policy. The result has one Decision per uid, sorted by
// uid, and does not depend on the order of Miners or Metagraph.
func Compute(in Input) ([]Decision, error) {
	c := &in.Competition
	if err := c.Validate(); err != nil {
		return nil, err
	}
	neurons, err := universe(in)
	if err != nil {
		return nil, err
	}
	byUID := map[int]*Miner{}
	for i := range in.Miners {
		m := &in.Miners[i]
		if prev, ok := byUID[m.UID]; ok {
			return nil, fmt.Errorf("%s: uid %d already has a score record (%s)", m.Source, m.UID, prev.Source)
		}
		byUID[m.UID] = m
	}
	ds := make([]Decision, len(neurons))
	current := map[int]Neuron{}
	var cands []*Miner // scored, right competition: may take part in duplicates and ranking
	for i, n := range neurons {
		current[n.UID] = n
		d := &ds[i]
		d.UID, d.Hotkey = n.UID, n.Hotkey
		m, ok := byUID[n.UID]
		if !ok {
			d.Reason, d.Detail = ReasonNoCommitment, "no score record for this uid"
			continue
		}
		d.EvalLoss, d.Block = m.EvalLoss, m.Block
		switch {
		case m.CompetitionID != c.ID:
			d.Reason = ReasonCompetitionMismatch
			d.Detail = fmt.Sprintf("committed to competition %q, the round is %q", m.CompetitionID, c.ID)
		case !m.hasLoss():
			d.Reason, d.Detail = ReasonScoringFailed, m.Reason
			if d.Detail == "" {
				d.Detail = "eval_loss is null"
			}
		default:
			cands = append(cands, m)
		}
	}
	for uid := range byUID {
		if _, ok := current[uid]; !ok {
			return nil, fmt.Errorf("%s: uid %d is not in the metagraph", byUID[uid].Source, uid)
		}
	}
	index := map[int]int{}
	for i := range ds {
		index[ds[i].UID] = i
	}

	dupOf := duplicates(cands, c.dupTolerance(), in.Overlaps, c.dupRows())
	var live []*Miner // candidates that are not duplicates
	for _, m := range cands {
		if keep, ok := dupOf[m.UID]; ok {
			d := &ds[index[m.UID]]
			k := keep.UID
			d.Reason, d.DuplicateOf = ReasonDuplicate, &k
			d.Detail = fmt.Sprintf("duplicate of uid %d (%s), which committed earlier", keep.UID, dupWhy(m, keep, c.dupTolerance()))
			continue
		}
		live = append(live, m)
	}
	sort.Slice(live, func(i, j int) bool { return lossLess(live[i], live[j]) })
	for r, m := range live {
		rank := r + 1
		ds[index[m.UID]].Rank = &rank
	}

	switch in.Policy {
	case Normalized, "":
		normalized(c, ds, index, live, current)
	case Winner:
		if err := winner(c, ds, index, live, current, in.BurnUID, neurons); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown policy %q (want normalized or winner)", in.Policy)
	}
	return finish(ds)
}

// lossLess orders by loss, then commitment, for ranking and eligibility.
func lossLess(a, b *Miner) bool {
	if *a.EvalLoss != *b.EvalLoss {
		return *a.EvalLoss < *b.EvalLoss
	}
	return earlier(a, b)
}

func normalized(c *Competition, ds []Decision, index map[int]int, live []*Miner, current map[int]Neuron) {
	for _, m := range live {
		d := &ds[index[m.UID]]
		loss := *m.EvalLoss
		if current[m.UID].Hotkey != m.Hotkey {
			d.Reason = ReasonHotkeyChanged
			d.Detail = fmt.Sprintf("scored hotkey %s no longer holds uid %d", short(m.Hotkey), m.UID)
			continue
		}
		s := c.Score(loss)
		switch {
		case loss > c.MaxB:
			d.Reason = ReasonLossAboveMax
			d.Detail = fmt.Sprintf("loss %.6g above maxb %g", loss, c.MaxB)
		case s < c.minWeight():
			d.Reason = ReasonBelowMinWeight
			d.Detail = fmt.Sprintf("score %.3g below the minimum weight %g", s, c.minWeight())
		default:
			d.Score, d.Weight, d.Reason = s, s, ReasonScored
			d.Detail = fmt.Sprintf("loss %.6g on the curve (minb %g, bench %g, maxb %g)", loss, c.MinB, c.Bench, c.MaxB)
		}
	}
}

func winner(c *Competition, ds []Decision, index map[int]int, live []*Miner, current map[int]Neuron, burn *int, neurons []Neuron) error {
	k := int(c.eligibleFraction() * float64(len(neurons)))
	if k < 1 {
		k = 1
	}
	if k > len(live) {
		k = len(live)
	}
	eligible := append([]*Miner(nil), live[:k]...)
	for _, m := range live[k:] {
		d := &ds[index[m.UID]]
		d.Reason = ReasonNotEligible
		d.Detail = fmt.Sprintf("loss rank %d; the best %d of %d registered hotkeys are eligible", *d.Rank, k, len(neurons))
	}
	sort.Slice(eligible, func(i, j int) bool { return earlier(eligible[i], eligible[j]) })
	byHotkey := map[string]int{}
	for _, n := range neurons {
		byHotkey[n.Hotkey] = n.UID
	}
	won := -1
	var why string
	var skipped []int
	for _, m := range eligible {
		d := &ds[index[m.UID]]
		if won >= 0 {
			d.Reason = ReasonEligible
			d.Detail = fmt.Sprintf("among the best %d, but uid %d committed earlier", k, won)
			continue
		}
		if current[m.UID].Hotkey == m.Hotkey {
			won, why = m.UID, fmt.Sprintf("earliest commitment (block %d) among the best %d losses", m.blockOf(), k)
			if len(skipped) > 0 {
				why += fmt.Sprintf("; earlier uids %v skipped: hotkey changed and could not be followed", skipped)
			}
			continue
		}
		// The uid changed hands: follow the hotkey, then the coldkey.
		if uid, ok := byHotkey[m.Hotkey]; ok {
			won, why = uid, fmt.Sprintf("winning hotkey %s moved from uid %d", short(m.Hotkey), m.UID)
		} else if uid, ok := sameColdkey(m, live, current); ok {
			won, why = uid, fmt.Sprintf("winning coldkey %s scored at uid %d (hotkey of uid %d changed)", short(m.Coldkey), uid, m.UID)
		}
		d.Reason = ReasonHotkeyChanged
		d.Detail = fmt.Sprintf("scored hotkey %s no longer holds uid %d", short(m.Hotkey), m.UID)
		if won >= 0 {
			d.Detail += fmt.Sprintf("; weight followed to uid %d", won)
		} else {
			skipped = append(skipped, m.UID)
		}
	}
	if won < 0 {
		if burn == nil {
			for _, n := range neurons {
				if n.Owner {
					u := n.UID
					burn = &u
				}
			}
		}
		if burn == nil {
			return fmt.Errorf("no eligible miner and no burn uid: pass --burn-uid or a metagraph with the subnet owner")
		}
		i, ok := index[*burn]
		if !ok {
			return fmt.Errorf("burn uid %d is not in the metagraph", *burn)
		}
		ds[i].Weight, ds[i].Score, ds[i].Reason = 1, 0, ReasonBurn
		ds[i].Detail = "no eligible miner: the weight goes to the burn uid"
		return nil
	}
	d := &ds[index[won]]
	d.Weight, d.Score, d.Reason, d.Detail = 1, 1, ReasonWinner, why
	return nil
}

// sameColdkey finds the best-loss scored uid of m's coldkey that still holds its hotkey.
func sameColdkey(m *Miner, live []*Miner, current map[int]Neuron) (int, bool) {
	if m.Coldkey == "" {
		return 0, false
	}
	for _, o := range live {
		if o.UID != m.UID && o.Coldkey == m.Coldkey && current[o.UID].Hotkey == o.Hotkey {
			return o.UID, true
		}
	}
	return 0, false
}

// finish normalizes weights to sum 1 and converts them as the SDK emits them.
func finish(ds []Decision) ([]Decision, error) {
	sum := 0.0
	w := make([]float64, len(ds))
	for i := range ds {
		w[i] = ds[i].Weight
		sum += w[i]
	}
	if sum == 0 {
		for i := range ds {
			if ds[i].Reason == ReasonScored {
				ds[i].Reason = ReasonNone
			}
		}
		return ds, nil
	}
	u, err := ToU16(w)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		ds[i].Weight = w[i] / sum
		ds[i].WeightU16 = u[i]
	}
	return ds, nil
}

func universe(in Input) ([]Neuron, error) {
	var ns []Neuron
	if in.Metagraph != nil {
		seen := map[int]bool{}
		for _, n := range in.Metagraph {
			if seen[n.UID] {
				return nil, fmt.Errorf("metagraph lists uid %d twice", n.UID)
			}
			seen[n.UID] = true
			ns = append(ns, n)
		}
	} else {
		for _, m := range in.Miners {
			ns = append(ns, Neuron{UID: m.UID, Hotkey: m.Hotkey, Coldkey: m.Coldkey})
		}
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].UID < ns[j].UID })
	return ns, nil
}

func short(key string) string {
	if len(key) > 10 {
		return key[:5] + "…" + key[len(key)-4:]
	}
	return key
}

func dupWhy(m, keep *Miner, tol float64) string {
	if math.Abs(*m.EvalLoss-*keep.EvalLoss) <= tol {
		return fmt.Sprintf("eval losses %.8g and %.8g within %g", *m.EvalLoss, *keep.EvalLoss, tol)
	}
	return "datasets share too many rows"
}
