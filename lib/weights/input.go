package weights

import (
	"encoding/json"
	"fmt"
	"math"
)

// Miner is one input score record (ff-score output joined with the miner's
// commitment). Fields it does not name are ignored.
type Miner struct {
	UID           int      `json:"uid"`
	Hotkey        string   `json:"hotkey"`
	Coldkey       string   `json:"coldkey,omitempty"`
	Block         *int64   `json:"block"` // commitment block
	Timestamp     *float64 `json:"commitment_timestamp,omitempty"`
	CompetitionID string   `json:"competition_id"`
	EvalLoss      *float64 `json:"eval_loss"`
	Reason        string   `json:"reason,omitempty"` // why scoring failed
	Dataset       string   `json:"dataset,omitempty"`
	DatasetSHA    string   `json:"dataset_sha256,omitempty"`
	Source        string   `json:"-"` // FILE:LINE
}

// Neuron is one uid of the metagraph (ff-submit metagraph output).
type Neuron struct {
	UID     int    `json:"uid"`
	Hotkey  string `json:"hotkey"`
	Coldkey string `json:"coldkey,omitempty"`
	Owner   bool   `json:"subnet_owner,omitempty"`
}

// Overlap is one pair of datasets with the number of rows they share
// (ff-dedup overlap output): Shared is the larger of the two directions.
type Overlap struct {
	A, B   string
	Shared int
}

// blockOf orders commitments: a missing block sorts last, as in the reference.
func (m *Miner) blockOf() int64 {
	if m.Block == nil {
		return math.MaxInt64
	}
	return *m.Block
}

func (m *Miner) timestampOf() float64 {
	if m.Timestamp == nil {
		return math.Inf(1)
	}
	return *m.Timestamp
}

// earlier reports whether a committed before b: block, then timestamp, then uid.
func earlier(a, b *Miner) bool {
	if a.blockOf() != b.blockOf() {
		return a.blockOf() < b.blockOf()
	}
	if a.timestampOf() != b.timestampOf() {
		return a.timestampOf() < b.timestampOf()
	}
	return a.UID < b.UID
}

// hasLoss reports whether the miner was scored with a usable loss.
func (m *Miner) hasLoss() bool {
	return m.EvalLoss != nil && !math.IsNaN(*m.EvalLoss) && !math.IsInf(*m.EvalLoss, 0)
}

// ParseMiner decodes one score record; uid, hotkey and eval_loss (a number
// or null) must be present.
func ParseMiner(raw []byte) (Miner, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return Miner{}, err
	}
	for _, k := range []string{"uid", "hotkey"} {
		if _, ok := probe[k]; !ok {
			return Miner{}, fmt.Errorf("missing field %q", k)
		}
	}
	if _, ok := probe["eval_loss"]; !ok {
		return Miner{}, fmt.Errorf(`missing field "eval_loss" (use null with a "reason" when scoring failed)`)
	}
	var m Miner
	if err := json.Unmarshal(raw, &m); err != nil {
		return Miner{}, err
	}
	if m.UID < 0 || m.UID > math.MaxUint16 {
		return Miner{}, fmt.Errorf("uid %d out of range", m.UID)
	}
	return m, nil
}
