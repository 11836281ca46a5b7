package submit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/flock-off/ff/lib/app"
)

// PendingCommit is a weight commit waiting for its reveal: everything
// reveal_weights needs, which exists nowhere else (the chain holds only the hash).
type PendingCommit struct {
	Netuid        uint16   `json:"netuid"`
	Hotkey        string   `json:"hotkey"`
	UIDs          []uint16 `json:"uids"`
	Values        []uint16 `json:"values"`
	Salt          []uint16 `json:"salt"`
	VersionKey    uint64   `json:"version_key"`
	CommitHash    string   `json:"commit_hash"`
	ExtrinsicHash string   `json:"extrinsic_hash"`
	Block         string   `json:"block,omitempty"` // where the commit landed; empty while unconfirmed
	Created       string   `json:"created"`
}

// State is the --state file.
type State struct {
	Version int             `json:"version"`
	Pending []PendingCommit `json:"pending"`
}

func loadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{Version: 1}, nil
	}
	if err != nil {
		return nil, app.Failf("state: %v", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, app.Dataf("state %s: %v", path, err)
	}
	if s.Version != 1 {
		return nil, app.Dataf("state %s: version %d is not known to this ff-submit", path, s.Version)
	}
	return &s, nil
}

// save writes the state through a temporary file and a rename, so a crash
// leaves the old state or the new one, never half of one. Mode 0600: salts
// let anyone reveal (and so copy) the weights before the chain does.
func (s *State) save(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := app.WriteFileAtomic(path, append(b, '\n'), 0o600); err != nil {
		return app.Failf("state %s: %v", path, err)
	}
	return nil
}

func (s *State) remove(commitHash string) {
	out := s.Pending[:0]
	for _, p := range s.Pending {
		if p.CommitHash != commitHash {
			out = append(out, p)
		}
	}
	s.Pending = out
}

func (s *State) find(commitHash string) *PendingCommit {
	for i := range s.Pending {
		if s.Pending[i].CommitHash == commitHash {
			return &s.Pending[i]
		}
	}
	return nil
}

func (p *PendingCommit) String() string {
	return fmt.Sprintf("commit %s of %d uids (netuid %d)", p.CommitHash, len(p.UIDs), p.Netuid)
}
